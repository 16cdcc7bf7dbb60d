import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the WriteLoadTestReport step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  // Writes the report's two objects under reports/ in the stack's artifact bucket, which its KMS key encrypts.
  permissions: [
    { actions: ['s3:PutObject'], resources: ['artifact-object'] },
    { actions: ['kms:GenerateDataKey'], resources: ['artifact-key'] },
  ],
  environment: ['ARTIFACT_BUCKET_NAME'],
};
