import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the GuardLiveTraffic step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [
    { actions: ['sagemaker:ListTags'], resources: ['endpoint'] },
    // The endpoint's recent Invocations; GetMetricData has no resource-level permissions.
    { actions: ['cloudwatch:GetMetricData'], resources: ['any'] },
  ],
  environment: [],
};
