import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the GenerateLoad step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  // A slice is at most 14 minutes, plus a start lead of at most 20 s, within Lambda's 15-minute limit.
  timeoutSeconds: 900,
  // Lambda gives a function the equivalent of one vCPU at 1,769 MB (Lambda developer guide, memory and computing power).
  memoryMb: 1769,
  permissions: [
    { actions: ['sagemaker:InvokeEndpoint'], resources: ['endpoint'] },
    // Reads payload samples from, and writes its result to, the artifact buckets.
    { actions: ['s3:GetObject', 's3:PutObject'], resources: ['artifact-object'] },
    { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['artifact-key'] },
  ],
  environment: ['ARTIFACT_BUCKET_NAME'],
};
