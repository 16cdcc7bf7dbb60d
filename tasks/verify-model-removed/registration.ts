import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the VerifyModelRemoved step is deployed: one invocation of the endpoint. */
export const registration: TaskRegistration = {
  timeoutSeconds: 120,
  memoryMb: 256,
  permissions: [{ actions: ['sagemaker:InvokeEndpoint'], resources: ['endpoint'] }],
  environment: [],
};
