import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the StartComponentDeployment step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    {
      actions: [
        'sagemaker:DescribeInferenceComponent',
        'sagemaker:CreateInferenceComponent',
        'sagemaker:UpdateInferenceComponent',
        'sagemaker:AddTags',
      ],
      resources: ['inference-component'],
    },
    // CreateInferenceComponent is authorized on the endpoint it goes on too (Service Authorization Reference).
    { actions: ['sagemaker:CreateInferenceComponent'], resources: ['endpoint'] },
  ],
  environment: [],
};
