import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the SummarizeCandidate step is deployed: it only reads the state document, calling nothing. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [],
  environment: [],
};
