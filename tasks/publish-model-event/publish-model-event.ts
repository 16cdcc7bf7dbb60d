import type { CaughtError, ExecutionFacts } from '../../contracts/contract-parts.ts';
import { type EndpointLease, leaseEventDetail } from '../../contracts/endpoint-lease.ts';
import type { HealthCheckReport } from '../../contracts/parts/endpoint.ts';
import type { PlacedModel, RemovalCheck } from '../../contracts/parts/multi-model.ts';
import { describeCaughtError } from '../_shared/caught-error.ts';
import type { LifecycleEvent } from '../_shared/events.ts';
import { CAUGHT_ERROR } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The lifecycle events of a multi-model endpoint's models. */
const ModelEventTypes = {
  added: 'Model Added',
  addFailed: 'Model Add Failed',
  removed: 'Model Removed',
  removeFailed: 'Model Remove Failed',
} as const;

/** The slice of the state document PublishModelEvent reads: which change it was, and what the run recorded. */
export interface PublishModelEventState {
  request: { endpointName: string; targetModel?: string | undefined; model?: { name: string } | undefined };
  execution: ExecutionFacts;
  placed?: PlacedModel | undefined;
  deleted?: { targetModel: string; s3Uri: string; existed: boolean } | undefined;
  removal?: RemovalCheck | undefined;
  healthCheck?: HealthCheckReport | undefined;
  error?: CaughtError | undefined;
  /** The endpoint's lease: who held it when the run gave up, or whom it was taken over from. */
  lease?: EndpointLease | undefined;
}
export const PublishModelEventState = stateSlice<PublishModelEventState>({
  request: { endpointName: 'string', targetModel: optional('string'), model: optional({ name: 'string' }) },
  execution: 'object',
  placed: optional('object'),
  deleted: optional('object'),
  removal: optional('object'),
  healthCheck: optional('object'),
  error: optional(CAUGHT_ERROR),
  lease: optional('object'),
});

/** What PublishModelEvent needs from the outside. */
interface PublishModelEventDeps {
  /** Puts the event on the project's bus and returns its id. */
  publish(event: LifecycleEvent): Promise<string>;
}

/** The event describing the change: a model added or removed (or not), with what the run found. */
export function modelEvent(state: PublishModelEventState): LifecycleEvent {
  const removing = state.request.targetModel !== undefined;
  const failed = state.error !== undefined;
  const detailType = removing
    ? failed
      ? ModelEventTypes.removeFailed
      : ModelEventTypes.removed
    : failed
      ? ModelEventTypes.addFailed
      : ModelEventTypes.added;
  const detail: Record<string, unknown> = {
    endpointName: state.request.endpointName,
    execution: state.execution.id,
    modelName: state.request.model?.name,
    targetModel: state.placed?.targetModel ?? state.request.targetModel,
    s3Uri: state.placed?.s3Uri ?? state.deleted?.s3Uri,
    healthCheck: state.healthCheck,
    removal: state.removal,
  };
  if (state.error !== undefined) detail.error = describeCaughtError(state.error);
  const lease = leaseEventDetail(state.lease);
  if (lease !== undefined) detail.lease = lease;
  return { detailType, detail: JSON.parse(JSON.stringify(detail)) as Record<string, unknown>, resources: [] };
}

/** Publishes the change to the project's event bus. */
export async function publishModelEvent<S extends PublishModelEventState>(state: S, deps: PublishModelEventDeps) {
  const event = modelEvent(state);
  const eventId = await deps.publish(event);
  return { ...state, event: { detailType: event.detailType, eventId } };
}
