import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the StartComponentRemoval step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [
    {
      actions: ['sagemaker:DescribeInferenceComponent', 'sagemaker:DeleteInferenceComponent'],
      resources: ['inference-component'],
    },
    // Deregistering its copy-count autoscaling deletes the target's policies and so their target-tracking alarms.
    { actions: ['application-autoscaling:DeregisterScalableTarget'], resources: ['any'] },
    { actions: ['cloudwatch:DeleteAlarms'], resources: ['component-scaling-alarm'] },
  ],
  environment: [],
};
