import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the ProbeComponent step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 90,
  memoryMb: 256,
  permissions: [{ actions: ['sagemaker:InvokeEndpoint'], resources: ['endpoint', 'inference-component'] }],
  environment: [],
};
