import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the PublishModelPackageEvent step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [{ actions: ['events:PutEvents'], resources: ['event-bus'] }],
  environment: ['EVENT_BUS_NAME'],
};
