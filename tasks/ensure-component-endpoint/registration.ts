import { describeEndpoint, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the EnsureComponentEndpoint step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    {
      actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:CreateEndpointConfig', 'sagemaker:AddTags'],
      resources: ['endpoint-config'],
    },
    { actions: ['sagemaker:CreateEndpoint', 'sagemaker:AddTags'], resources: ['endpoint', 'endpoint-config'] },
    { actions: ['iam:PassRole'], resources: ['execution-role'] },
  ],
  environment: ['SAGEMAKER_EXECUTION_ROLE_ARN'],
};
