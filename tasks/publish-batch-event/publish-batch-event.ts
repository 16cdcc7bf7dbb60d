import type { CaughtError, CreatedResource, ExecutionFacts } from '../../contracts/contract-parts.ts';
import type { BatchRun, OutputVerification, TransformJobStatusSummary } from '../../contracts/parts/batch-transform.ts';
import { describeCaughtError } from '../_shared/caught-error.ts';
import type { LifecycleEvent } from '../_shared/events.ts';
import { CAUGHT_ERROR } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document PublishBatchEvent reads: whatever the run recorded, for the event's detail. */
export interface PublishBatchEventState {
  request: { scheduleName: string };
  execution: ExecutionFacts;
  run?: BatchRun | undefined;
  model?: CreatedResource | undefined;
  job?: CreatedResource | undefined;
  jobStatus?: TransformJobStatusSummary | undefined;
  verification?: OutputVerification | undefined;
  modelCleanup?: { model?: string; action: string; reason: string } | undefined;
  error?: CaughtError | undefined;
}
export const PublishBatchEventState = stateSlice<PublishBatchEventState>({
  request: { scheduleName: 'string' },
  execution: 'object',
  run: optional('object'),
  model: optional('object'),
  job: optional('object'),
  jobStatus: optional('object'),
  verification: optional('object'),
  modelCleanup: optional({ model: optional('string'), action: 'string', reason: 'string' }),
  error: optional(CAUGHT_ERROR),
});

/** The lifecycle events of a batch transform run. */
export const BatchEventTypes = {
  completed: 'Batch Transform Completed',
  failed: 'Batch Transform Failed',
  skipped: 'Batch Transform Skipped',
} as const;

/** What PublishBatchEvent needs from the outside. */
interface PublishBatchEventDeps {
  /** Puts the event on the project's bus and returns its id. */
  publish(event: LifecycleEvent): Promise<string>;
}

/** The event describing the run's outcome, with its counts and, on failure, the error and FailureReason. */
function batchEvent(state: PublishBatchEventState): LifecycleEvent {
  const detailType =
    state.error !== undefined
      ? BatchEventTypes.failed
      : state.run?.action === 'skip'
        ? BatchEventTypes.skipped
        : BatchEventTypes.completed;
  const detail: Record<string, unknown> = {
    scheduleName: state.request.scheduleName,
    scheduledTime: state.run?.scheduledTime,
    execution: state.execution.id,
    transformJobName: state.job?.name ?? state.run?.jobName,
    modelName: state.model?.name ?? state.modelCleanup?.model,
    input: state.run?.inputS3Uri,
    output: state.run?.outputS3Uri,
    jobStatus: state.jobStatus?.status,
    failureReason: state.jobStatus?.failureReason,
    // Output counts only when the outputs were verified: a run that failed earlier has no count to report.
    counts: {
      inputObjects: state.verification?.inputObjects ?? state.run?.inputObjects ?? 0,
      outputObjects: state.verification?.outputObjects,
      missingOutputs: state.verification?.missing.length,
    },
    followedExistingJob: state.run?.action === 'follow' || state.job?.created === false,
  };
  if (state.error !== undefined) detail.error = describeCaughtError(state.error);
  if (state.modelCleanup !== undefined) detail.modelCleanup = state.modelCleanup;
  const resources = state.job?.arn ? [state.job.arn] : [];
  return { detailType, detail: JSON.parse(JSON.stringify(detail)) as Record<string, unknown>, resources };
}

/** Publishes the run's outcome to the project's event bus. */
export async function publishBatchEvent<S extends PublishBatchEventState>(state: S, deps: PublishBatchEventDeps) {
  const event = batchEvent(state);
  const eventId = await deps.publish(event);
  return { ...state, event: { detailType: event.detailType, eventId } };
}
