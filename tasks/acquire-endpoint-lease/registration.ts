import { leaseObjectPermissions, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the AcquireEndpointLease step is deployed: it reads and conditionally writes lease objects (the artifact
 * bucket's `leases/` prefix only).
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: leaseObjectPermissions,
  environment: ['ARTIFACT_BUCKET_NAME'],
};
