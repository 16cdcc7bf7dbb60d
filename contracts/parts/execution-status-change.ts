/**
 * The event Step Functions sends to the account's default event bus when a Standard execution's status changes
 * ("Step Functions Execution Status Change", source aws.states; Step Functions Developer Guide, "Automating Step
 * Functions event delivery with EventBridge"): the execution's ARN, name, state machine, status and its dates in
 * milliseconds since the epoch. The local runner emits the same event, so the same rules run locally.
 */
export const EXECUTION_STATUS_CHANGE = {
  source: 'aws.states',
  detailType: 'Step Functions Execution Status Change',
} as const;

/** The statuses a status-change event reports. */
const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

/**
 * The statuses after which an execution runs no more states and so no rollback: what it created is left unless
 * something removes it (the execution cleanup).
 */
export const STOPPED_WITHOUT_ROLLBACK = ['ABORTED', 'TIMED_OUT'] as const;

/**
 * The status after which the cleanup deletes only an execution's throwaway resources (those tagged
 * `sagemaker-workflows:throwaway`, of a workflow that makes them): a failed execution has run its own clean-up
 * states, but one of those may have failed too, and what a failed deployment keeps is its rollback's and redrive's.
 */
export const FAILED_THROWAWAYS_ONLY = 'FAILED' as const;

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** The detail of a status-change event: the fields this project reads (Step Functions sends more). */
export interface ExecutionStatusChangeDetail {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  /** ms since the epoch: when the execution was first started (a redrive keeps it). */
  readonly startDate: number;
  /** ms since the epoch, once it stopped. */
  readonly stopDate?: number | null;
}

/** The detail of a status-change event, or a message naming the field that is missing or wrong. */
export function parseExecutionStatusChange(detail: unknown): ExecutionStatusChangeDetail | string {
  if (detail === null || typeof detail !== 'object') return 'detail: expected an object';
  const d = detail as Record<string, unknown>;
  for (const field of ['executionArn', 'stateMachineArn', 'name'] as const) {
    if (typeof d[field] !== 'string' || d[field] === '') return `detail.${field}: expected a non-empty string`;
  }
  if (!EXECUTION_STATUSES.includes(d.status as ExecutionStatus)) {
    return `detail.status: expected one of ${EXECUTION_STATUSES.join(', ')}`;
  }
  if (typeof d.startDate !== 'number') return 'detail.startDate: expected milliseconds since the epoch';
  return d as unknown as ExecutionStatusChangeDetail;
}
