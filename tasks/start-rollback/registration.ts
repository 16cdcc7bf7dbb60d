import { describeEndpoint, type TaskRegistration, taskTokenPermissions } from '../_shared/task-registration.ts';

/** How the StartRollback step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    { actions: ['sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint'], resources: ['endpoint', 'endpoint-config'] },
    // Whether an endpoint the state does not record is this execution's (its execution tag).
    { actions: ['sagemaker:ListTags'], resources: ['endpoint'] },
    // The change StartDeployment's wait record names, when its result never arrived.
    { actions: ['dynamodb:GetItem'], resources: ['wait-record-table'] },
    ...taskTokenPermissions,
  ],
  environment: ['WAIT_TABLE_NAME'],
};
