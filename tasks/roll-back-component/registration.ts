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
    // Whether a component the state does not record is this execution's (its execution tag).
    { actions: ['sagemaker:ListTags'], resources: ['inference-component'] },
  ],
  environment: [],
};
