import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the UploadAsyncSamples step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  // The samples go to the bucket of the async output path, which must be one of the artifact buckets on AWS.
  permissions: [
    { actions: ['s3:PutObject'], resources: ['artifact-object'] },
    { actions: ['kms:GenerateDataKey'], resources: ['artifact-key'] },
  ],
  environment: [],
};
