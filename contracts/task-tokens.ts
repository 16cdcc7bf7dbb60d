/**
 * Event-driven waits: where a waiting task's token is stored, how long a wait goes without news before it polls once
 * (the fallback), and how the state machines, the steps and the stack's IAM name them. Written once, plain values, no
 * zod: anything may import them.
 *
 * A token is stored in the stack's wait records table (DynamoDB), one item per resource being waited for (an endpoint,
 * a transform job), before the call that starts the change (Create/UpdateEndpoint, DeleteEndpoint, CreateTransformJob),
 * so that an event that comes early finds it. The item names the operation the execution started (execution, step,
 * action, target config): only a settled state of that operation completes the token.
 */

/** What a wait is for. */
export type WaitResourceKind = 'endpoint' | 'transform-job';

/** The wait records table's partition key (a string: waitRecordKey). */
export const WAIT_RECORD_KEY_ATTRIBUTE = 'key';

/** The attribute DynamoDB's time to live reads (epoch seconds): a record goes once it has expired. */
export const WAIT_RECORD_TTL_ATTRIBUTE = 'expiresAt';

/**
 * The wait record of an endpoint or transform job. SageMaker names are unique per account and region regardless of
 * case (its ARNs are lower-case), so the key is too. One endpoint changes for one execution at a time (the endpoint
 * lease), so its one record holds the operation under way; a transform job is one operation.
 */
export function waitRecordKey(kind: WaitResourceKind, name: string): string {
  return `${kind}/${name.toLowerCase()}`;
}

/**
 * How long a waiting task goes without a callback before it polls once and waits again (its HeartbeatSeconds): the
 * most a lost event adds to a wait. Five minutes: a 10-minute create that gets its event costs one poll, and one that
 * loses every event is seen at most five minutes late.
 */
export const WAIT_FALLBACK_SECONDS = 300;

/**
 * The waiting task's own TimeoutSeconds, a backstop only: the wait's deadline (the input's `wait.timeoutMinutes`, at
 * most a day) is enforced by the fallback poll, which runs every WAIT_FALLBACK_SECONDS.
 */
export const WAIT_TASK_TIMEOUT_SECONDS = 24 * 3600 + 2 * WAIT_FALLBACK_SECONDS;

/** How long a wait record is kept (the table's time to live): longer than any execution that waits may run (48 hours). */
export const WAIT_RECORD_EXPIRY_DAYS = 3;

/** The events that complete waits, as SageMaker sends them to the default bus (source `aws.sagemaker`). */
export const WAIT_EVENTS = {
  source: 'aws.sagemaker',
  endpoint: 'SageMaker Endpoint State Change',
  transformJob: 'SageMaker Transform Job State Change',
  /**
   * Endpoint event statuses that say the endpoint is still moving (the events spell statuses in UPPER_SNAKE case):
   * the rule leaves them out, since only a settled endpoint can complete a wait. Any other spelling reaches the
   * callback, which reads the truth with DescribeEndpoint.
   */
  endpointMovingStatuses: ['CREATING', 'UPDATING', 'SYSTEM_UPDATING', 'ROLLING_BACK', 'DELETING'],
  /** Transform job event statuses that say the job is still moving. */
  transformJobMovingStatuses: ['InProgress', 'Stopping'],
} as const;
