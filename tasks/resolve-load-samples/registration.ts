import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the ResolveLoadSamples step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  // Payload samples under an S3 prefix live in the artifact buckets.
  permissions: [{ actions: ['s3:ListBucket'], resources: ['artifact-bucket'] }],
  environment: [],
};
