import { describeAutoScaling, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the RecordComponentAutoScaling step is deployed: timeout, memory, the IAM actions it calls, the environment
 * it reads.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [describeAutoScaling],
  environment: [],
};
