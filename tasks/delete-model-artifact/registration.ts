import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the DeleteModelArtifact step is deployed: it lists and deletes model objects in the artifact buckets. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [
    { actions: ['s3:ListBucket'], resources: ['artifact-bucket'] },
    { actions: ['s3:DeleteObject'], resources: ['artifact-object'] },
  ],
  environment: [],
};
