import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the ValidatePackageInput step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 10,
  memoryMb: 256,
  permissions: [],
  environment: [],
};
