import { packagingPermissions, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the PlaceModel step is deployed: it lists and copies objects in the artifact buckets (server-side, multipart
 * above 5 GiB: no model bytes pass through the function).
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 900,
  memoryMb: 256,
  permissions: packagingPermissions,
  environment: [],
};
