import { describeEndpoint, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the DeleteThrowaways step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 120,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    // Each resource's tags say whether this execution made it as a throwaway.
    { actions: ['sagemaker:ListTags'], resources: ['endpoint', 'endpoint-config', 'model'] },
    { actions: ['sagemaker:DeleteEndpoint'], resources: ['endpoint'] },
    { actions: ['sagemaker:DeleteEndpointConfig'], resources: ['endpoint-config'] },
    { actions: ['sagemaker:DeleteModel'], resources: ['model'] },
    // List operations have no resource-level permissions.
    { actions: ['sagemaker:ListEndpointConfigs', 'sagemaker:ListModels'], resources: ['any'] },
  ],
  environment: [],
};
