import { leaseObjectPermissions, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the ReleaseEndpointLease step is deployed: it reads and conditionally writes lease objects (`leases/` only). */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: leaseObjectPermissions,
  environment: ['ARTIFACT_BUCKET_NAME'],
};
