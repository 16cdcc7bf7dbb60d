import { packagingPermissions, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the CopyUncompressedModel step is deployed: timeout, memory, the IAM actions it calls, the environment it reads.
 * Server-side copies: no model bytes pass through the function.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 900,
  memoryMb: 256,
  permissions: packagingPermissions,
  environment: ['ARTIFACT_BUCKET_NAME'],
};
