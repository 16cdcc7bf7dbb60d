import { describeEndpoint, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the DeleteComponentEndpoint step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    { actions: ['sagemaker:DeleteEndpoint'], resources: ['endpoint'] },
    // Whether an endpoint the state does not record is this execution's (its execution tag).
    { actions: ['sagemaker:ListTags'], resources: ['endpoint'] },
    { actions: ['sagemaker:DeleteEndpointConfig'], resources: ['endpoint-config'] },
    // ListInferenceComponents supports no resource-level permissions (Service Authorization Reference).
    { actions: ['sagemaker:ListInferenceComponents'], resources: ['any'] },
  ],
  environment: [],
};
