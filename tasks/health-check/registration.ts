import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the HealthCheck step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 600,
  memoryMb: 512,
  permissions: [
    { actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync'], resources: ['endpoint'] },
    // Asynchronous endpoints: samples are uploaded and outputs read in the artifact buckets; HeadObject on a key
    // that is not there yet answers 404 only with ListBucket (403 without it).
    { actions: ['s3:ListBucket'], resources: ['artifact-bucket'] },
    { actions: ['s3:PutObject', 's3:GetObject'], resources: ['artifact-object'] },
    { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['artifact-key'] },
  ],
  environment: [],
};
