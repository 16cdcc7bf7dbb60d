import { InvalidInputError } from '../../contracts/errors.ts';
import { WAIT_EVENTS, type WaitResourceKind, waitRecordKey } from '../../contracts/task-tokens.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import {
  completeRecordedWait,
  endpointOperationSettled,
  endpointStatusOf,
  endpointWaitOutput,
  type StoredWaitRecord,
  type TaskResponse,
  transformJobStatusOf,
  type WaitDeps,
  type WaitRecord,
  type WaitStep,
} from '../_shared/task-tokens.ts';
import type { TransformJobGateway } from '../_shared/transform-jobs.ts';

/** What CompleteWait needs from the outside. */
export interface CompleteWaitDeps extends WaitDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint'>;
  transformJobs: Pick<TransformJobGateway, 'describeTransformJob'>;
}

/** A SageMaker state change event, as the rules deliver it (the parts read). */
export interface StateChangeEvent {
  readonly 'detail-type': string;
  readonly detail: { readonly EndpointName?: string; readonly TransformJobName?: string };
}

/** The fallback poll's payload (the state machine's): the new token and which wait it continues. */
export interface FallbackPoll {
  readonly taskToken: string;
  readonly wait: {
    readonly kind: WaitResourceKind;
    readonly name: string;
    readonly executionId: string;
    readonly step: WaitStep;
  };
}

/**
 * What one event did: completed the wait it settles; found its task already closed (completed, or handed over to the
 * fallback); found no wait for the resource (a foreign resource, or one nothing waits for); or found the resource not
 * settled for the operation under way (an early, late or out-of-order event).
 */
export type EventOutcome = 'completed' | 'already-handled' | 'no-wait' | 'not-settled';

/** What one fallback poll did: completed its own token (settled, or past the deadline), or waits again. */
export type PollOutcome = 'completed' | 'timed-out' | 'waiting';

/** The resource an event is about, or undefined for an event of another kind. */
function resourceOf(event: StateChangeEvent): { kind: WaitResourceKind; name: string } | undefined {
  if (event['detail-type'] === WAIT_EVENTS.endpoint && typeof event.detail.EndpointName === 'string') {
    return { kind: 'endpoint', name: event.detail.EndpointName };
  }
  if (event['detail-type'] === WAIT_EVENTS.transformJob && typeof event.detail.TransformJobName === 'string') {
    return { kind: 'transform-job', name: event.detail.TransformJobName };
  }
  return undefined;
}

const transformJobStatus = transformJobStatusOf;

/**
 * Reads the resource of `record` and, when what it shows settles the record's operation, the state document its wait
 * completes with; undefined while it does not.
 */
async function settledOutput(
  record: WaitRecord,
  deps: CompleteWaitDeps,
): Promise<{ output: unknown; status: string } | undefined> {
  const { kind, name } = record.resource;
  if (kind === 'endpoint') {
    const endpoint = await deps.sagemaker.describeEndpoint(name);
    const settled = endpointOperationSettled(record.operation, record.phase, endpoint);
    return settled === undefined
      ? undefined
      : { output: endpointWaitOutput(record, settled, endpoint), status: settled.status };
  }
  const job = await deps.transformJobs.describeTransformJob(name);
  const status = transformJobStatus(job);
  return status.settled === true
    ? { output: { ...record.output, jobStatus: status }, status: String(status.status) }
    : undefined;
}

/**
 * The rules' callback: treats a SageMaker state change event as a hint. It reads the wait record of the resource the
 * event names and what SageMaker describes now; only a settled state of the operation the record names completes its
 * token (SendTaskSuccess). Duplicate, late, out-of-order and foreign events change nothing.
 */
export async function onStateChange(
  event: StateChangeEvent,
  deps: CompleteWaitDeps,
): Promise<{ outcome: EventOutcome }> {
  const resource = resourceOf(event);
  if (resource === undefined) return { outcome: 'no-wait' };
  const key = waitRecordKey(resource.kind, resource.name);
  const stored = await deps.records.read(key);
  if (stored === undefined || stored.record.phase === 'completed') return { outcome: 'no-wait' };
  const settled = await settledOutput(stored.record, deps);
  if (settled === undefined) return { outcome: 'not-settled' };
  const response: TaskResponse = await completeRecordedWait(deps, key, stored, settled.output);
  return { outcome: response === 'sent' ? 'completed' : 'already-handled' };
}

/**
 * The fallback: no callback came within the waiting task's heartbeat. Stores the new token in the wait record, then
 * polls once: a settled operation completes the new token at once; past the wait's deadline, the token completes
 * with the resource still moving (`settled: false`); otherwise the task waits again, for an event or the next
 * heartbeat.
 */
export async function pollOnce(request: FallbackPoll, deps: CompleteWaitDeps): Promise<{ outcome: PollOutcome }> {
  const { kind, name, executionId, step } = request.wait;
  const key = waitRecordKey(kind, name);
  const stored = await deps.records.read(key);
  const operation = stored?.record.operation;
  if (stored === undefined || operation?.executionId !== executionId || operation.step !== step) {
    throw new InvalidInputError(
      `CompleteWait input: wait: no ${step} wait of execution ${executionId} is recorded for ${kind} ${name}`,
    );
  }
  const record: WaitRecord = {
    ...stored.record,
    token: request.taskToken,
    phase: stored.record.phase === 'completed' ? 'started' : stored.record.phase,
    storedAt: deps.now().toISOString(),
  };
  const etag = (await deps.records.write(key, record)) ?? '';
  const current: StoredWaitRecord = { record, etag };
  const settled = await settledOutput(record, deps);
  if (settled !== undefined) {
    await completeRecordedWait(deps, key, current, settled.output);
    return { outcome: 'completed' };
  }
  const timedOut = await pastDeadline(record, deps);
  if (timedOut !== undefined) {
    await completeRecordedWait(deps, key, current, timedOut);
    return { outcome: 'timed-out' };
  }
  return { outcome: 'waiting' };
}

/**
 * The state a wait past its deadline completes with: the resource as it is now, not settled (the step after the
 * wait raises the timeout error, with the whole state the start step returned, so a rollback knows what to undo).
 * Undefined before the deadline (or with none recorded).
 */
async function pastDeadline(record: WaitRecord, deps: CompleteWaitDeps): Promise<Record<string, unknown> | undefined> {
  const wait = record.output.wait as { deadline?: unknown } | undefined;
  const deadline = typeof wait?.deadline === 'string' ? Date.parse(wait.deadline) : Number.NaN;
  if (Number.isNaN(deadline) || deps.now().getTime() < deadline) return undefined;
  const { kind, name } = record.resource;
  if (kind === 'endpoint') {
    return { ...record.output, endpointStatus: endpointStatusOf(await deps.sagemaker.describeEndpoint(name)) };
  }
  return { ...record.output, jobStatus: transformJobStatus(await deps.transformJobs.describeTransformJob(name)) };
}
