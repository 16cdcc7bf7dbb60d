import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the RollBackComponent step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    {
      actions: [
        'sagemaker:DescribeInferenceComponent',
        'sagemaker:UpdateInferenceComponent',
        'sagemaker:DeleteInferenceComponent',
      ],
      resources: ['inference-component'],
    },
  ],
  environment: [],
};
