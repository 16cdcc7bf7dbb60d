import { describeEndpoint, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the SuspendAutoScaling step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    describeEndpoint,
    { actions: ['sagemaker:DescribeEndpointConfig'], resources: ['endpoint-config'] },
    // Deregistering deletes the target's policies and so their target-tracking alarms.
    { actions: ['application-autoscaling:DeregisterScalableTarget'], resources: ['any'] },
    { actions: ['cloudwatch:DeleteAlarms'], resources: ['scaling-alarm'] },
  ],
  environment: [],
};
