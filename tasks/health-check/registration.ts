import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the HealthCheck step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 600,
  memoryMb: 512,
  permissions: [
    { actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync'], resources: ['endpoint'] },
    // An inference component's check names it: InvokeEndpoint is authorized on the component too.
    { actions: ['sagemaker:InvokeEndpoint'], resources: ['inference-component'] },
  ],
  environment: [],
};
