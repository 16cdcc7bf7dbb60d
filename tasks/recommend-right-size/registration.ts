import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the RecommendRightSize step is deployed: arithmetic over the measured candidates, calling nothing. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [],
  environment: [],
};
