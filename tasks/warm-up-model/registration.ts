import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the WarmUpModel step is deployed: one invocation, which may wait for a model to download and load. */
export const registration: TaskRegistration = {
  timeoutSeconds: 120,
  memoryMb: 256,
  permissions: [{ actions: ['sagemaker:InvokeEndpoint'], resources: ['endpoint'] }],
  environment: [],
};
