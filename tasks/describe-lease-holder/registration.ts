import type { TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the DescribeLeaseHolder step is deployed: it asks Step Functions whether an endpoint lease's holder still
 * runs, for the executions of this stack's state machines only.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [{ actions: ['states:DescribeExecution'], resources: ['workflow-execution'] }],
  environment: [],
};
