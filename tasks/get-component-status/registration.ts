import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the GetComponentStatus step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [{ actions: ['sagemaker:DescribeInferenceComponent'], resources: ['inference-component'] }],
  environment: [],
};
