import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the JudgeLoadStep step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 120,
  memoryMb: 1024,
  // Reads the workers' results and writes the step's merged figures, in the stack's artifact bucket.
  permissions: [
    { actions: ['s3:GetObject', 's3:PutObject'], resources: ['artifact-object'] },
    { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['artifact-key'] },
  ],
  environment: ['ARTIFACT_BUCKET_NAME'],
};
