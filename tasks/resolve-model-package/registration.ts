import { describeEndpoint, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the ResolveModelPackage step is deployed: it reads the registry (DescribeModelPackage, ListModelPackages)
 * and what the endpoint serves (its config and model).
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    { actions: ['sagemaker:DescribeEndpointConfig'], resources: ['endpoint-config'] },
    { actions: ['sagemaker:DescribeModel'], resources: ['model'] },
    { actions: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'], resources: ['any'] },
  ],
  environment: [],
};
