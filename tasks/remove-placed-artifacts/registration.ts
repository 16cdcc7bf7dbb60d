import type { TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the RemovePlacedArtifacts step is deployed: it lists a multi-model endpoint's prefix, reads each object's
 * metadata (HeadObject needs s3:GetObject) and deletes those this execution placed.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    { actions: ['s3:ListBucket'], resources: ['artifact-bucket'] },
    { actions: ['s3:GetObject', 's3:DeleteObject'], resources: ['artifact-object'] },
  ],
  environment: [],
};
