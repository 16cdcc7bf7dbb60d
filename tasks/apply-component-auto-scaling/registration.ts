import { changeComponentAutoScaling, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the ApplyComponentAutoScaling step is deployed: timeout, memory, the IAM actions it calls, the environment it
 * reads.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 120,
  memoryMb: 256,
  permissions: changeComponentAutoScaling,
  environment: [],
};
