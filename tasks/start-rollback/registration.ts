import {
  describeAutoScaling,
  describeEndpoint,
  type TaskRegistration,
  taskTokenPermissions,
} from '../_shared/task-registration.ts';

/** How the StartRollback step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    { actions: ['sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint'], resources: ['endpoint', 'endpoint-config'] },
    // An update back that changes a registered variant's instance type: the variant is deregistered first (the
    // configs say which); deregistering deletes its policies and so their target-tracking alarms.
    { actions: ['sagemaker:DescribeEndpointConfig'], resources: ['endpoint-config'] },
    describeAutoScaling,
    { actions: ['application-autoscaling:DeregisterScalableTarget'], resources: ['any'] },
    { actions: ['cloudwatch:DeleteAlarms'], resources: ['scaling-alarm'] },
    // Whether an endpoint the state does not record is this execution's (its execution tag).
    { actions: ['sagemaker:ListTags'], resources: ['endpoint'] },
    // The change StartDeployment's wait record names, when its result never arrived.
    { actions: ['dynamodb:GetItem'], resources: ['wait-record-table'] },
    ...taskTokenPermissions,
  ],
  environment: ['WAIT_TABLE_NAME'],
};
