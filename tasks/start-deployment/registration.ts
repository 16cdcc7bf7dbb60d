import { describeEndpoint, type TaskRegistration, taskTokenPermissions } from '../_shared/task-registration.ts';

/**
 * How the StartDeployment step is deployed: timeout, memory, the IAM actions it calls (the endpoint's, and the wait
 * record's and task result's of the token it runs under), the environment it reads.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    {
      actions: ['sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:AddTags'],
      resources: ['endpoint', 'endpoint-config'],
    },
    { actions: ['sagemaker:ListTags'], resources: ['endpoint'] },
    // Whether the endpoint hosts inference components (a config without models), which it does not update.
    { actions: ['sagemaker:DescribeEndpointConfig'], resources: ['endpoint-config'] },
    ...taskTokenPermissions,
  ],
  environment: ['WAIT_TABLE_NAME'],
};
