import { describeEndpoint, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the ResolveMultiModelEndpoint step is deployed: it describes the endpoint, its config and its model. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    { actions: ['sagemaker:DescribeEndpointConfig'], resources: ['endpoint-config'] },
    { actions: ['sagemaker:DescribeModel'], resources: ['model'] },
  ],
  environment: [],
};
