import {
  describeEndpoint,
  describeTransformJob,
  type TaskRegistration,
  waitRecordPermissions,
} from '../_shared/task-registration.ts';

/**
 * How the CompleteWait step is deployed: it describes endpoints and transform jobs, reads and writes their wait
 * records, and completes the waiting tasks of this stack's state machines.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 30,
  memoryMb: 256,
  permissions: [describeEndpoint, describeTransformJob, ...waitRecordPermissions],
  environment: ['WAIT_TABLE_NAME'],
};
