import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the PublishComponentRemovalEvent step is deployed: it puts one event on the project's bus. */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [{ actions: ['events:PutEvents'], resources: ['event-bus'] }],
  environment: ['EVENT_BUS_NAME'],
};
