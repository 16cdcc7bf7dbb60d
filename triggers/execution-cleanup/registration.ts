import type { TaskRegistration } from '../../tasks/_shared/task-registration.ts';

/**
 * How the execution cleanup is deployed, and the IAM actions it calls: it lists and reads what it may remove, and
 * deletes only models, endpoint configs and endpoints (on the stack's name prefix, as the steps do). Its timeout
 * lets it wait out an endpoint in progress (SageMaker deletes none) before Lambda's retries take over.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 900,
  memoryMb: 256,
  permissions: [
    {
      actions: ['sagemaker:ListEndpoints', 'sagemaker:ListEndpointConfigs', 'sagemaker:ListModels'],
      resources: ['any'],
    },
    { actions: ['sagemaker:ListTags'], resources: ['endpoint', 'endpoint-config', 'model'] },
    { actions: ['sagemaker:DescribeEndpoint', 'sagemaker:DeleteEndpoint'], resources: ['endpoint'] },
    {
      actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig'],
      resources: ['endpoint-config'],
    },
    { actions: ['sagemaker:DeleteModel'], resources: ['model'] },
  ],
  environment: [],
};
