import { describeEndpoint, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the FinalizeDeployment step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 300,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    { actions: ['sagemaker:AddTags', 'sagemaker:ListTags'], resources: ['endpoint', 'endpoint-config', 'model'] },
    {
      actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig'],
      resources: ['endpoint-config'],
    },
    { actions: ['sagemaker:DeleteModel'], resources: ['model'] },
    { actions: ['sagemaker:ListEndpointConfigs', 'sagemaker:ListModels'], resources: ['any'] },
  ],
  environment: [],
};
