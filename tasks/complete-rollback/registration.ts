import { describeEndpoint, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the CompleteRollback step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    { actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig'], resources: ['endpoint-config'] },
    { actions: ['sagemaker:DeleteModel'], resources: ['model'] },
    // The execution cleanup's rule: every endpoint, config and model (List* take no resource-level permissions,
    // Service Authorization Reference), and whether each carries this execution's tag.
    {
      actions: ['sagemaker:ListEndpoints', 'sagemaker:ListEndpointConfigs', 'sagemaker:ListModels'],
      resources: ['any'],
    },
    { actions: ['sagemaker:ListTags'], resources: ['endpoint', 'endpoint-config', 'model'] },
  ],
  environment: [],
};
