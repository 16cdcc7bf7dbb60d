import { registerComponentScaling, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the SuspendComponentAutoScaling step is deployed: timeout, memory, the IAM actions it calls, the environment
 * it reads.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: registerComponentScaling,
  environment: [],
};
