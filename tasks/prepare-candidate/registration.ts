import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the PrepareCandidate step is deployed: it only reshapes the state document, calling nothing. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [],
  environment: [],
};
