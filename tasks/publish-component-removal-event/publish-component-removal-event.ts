import type { CaughtError, ExecutionFacts } from '../../contracts/contract-parts.ts';
import { type EndpointLease, leaseEventDetail } from '../../contracts/endpoint-lease.ts';
import { describeCaughtError } from '../_shared/caught-error.ts';
import type { LifecycleEvent } from '../_shared/events.ts';
import { CAUGHT_ERROR } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The lifecycle events of an inference component's removal. */
export const ComponentRemovalEventTypes = {
  removed: 'Inference Component Removed',
  removeFailed: 'Inference Component Remove Failed',
} as const;

/** The slice of the state document PublishComponentRemovalEvent reads: the removal and what the run recorded. */
export interface PublishComponentRemovalEventState {
  request: { endpointName: string; component: { name: string } };
  execution: ExecutionFacts;
  /** Whether there was a component to delete. */
  removal?: { existed: boolean } | undefined;
  /** How the endpoint answered the component's name once it was gone. */
  probe?: Record<string, unknown> | undefined;
  /** Whether the endpoint was deleted with its last component. */
  endpointRemoval?: Record<string, unknown> | undefined;
  error?: CaughtError | undefined;
  /** The endpoint's lease: who held it when the run gave up, or whom it was taken over from. */
  lease?: EndpointLease | undefined;
}
export const PublishComponentRemovalEventState = stateSlice<PublishComponentRemovalEventState>({
  request: { endpointName: 'string', component: { name: 'string' } },
  execution: 'object',
  removal: optional({ existed: 'boolean' }),
  probe: optional('object'),
  endpointRemoval: optional('object'),
  error: optional(CAUGHT_ERROR),
  lease: optional('object'),
});

/** What PublishComponentRemovalEvent needs from the outside. */
export interface PublishComponentRemovalEventDeps {
  /** Puts the event on the project's bus and returns its id. */
  publish(event: LifecycleEvent): Promise<string>;
}

/** The event describing the removal: removed (or there was nothing to remove), or failed, with what the run found. */
export function componentRemovalEvent(state: PublishComponentRemovalEventState): LifecycleEvent {
  const detail: Record<string, unknown> = {
    endpointName: state.request.endpointName,
    inferenceComponentName: state.request.component.name,
    execution: state.execution.id,
    existed: state.removal?.existed,
    probe: state.probe,
    endpointRemoval: state.endpointRemoval,
  };
  if (state.error !== undefined) detail.error = describeCaughtError(state.error);
  const lease = leaseEventDetail(state.lease);
  if (lease !== undefined) detail.lease = lease;
  return {
    detailType:
      state.error === undefined ? ComponentRemovalEventTypes.removed : ComponentRemovalEventTypes.removeFailed,
    detail: JSON.parse(JSON.stringify(detail)) as Record<string, unknown>,
    resources: [],
  };
}

/** Publishes the removal to the project's event bus. */
export async function publishComponentRemovalEvent<S extends PublishComponentRemovalEventState>(
  state: S,
  deps: PublishComponentRemovalEventDeps,
) {
  const event = componentRemovalEvent(state);
  const eventId = await deps.publish(event);
  return { ...state, event: { detailType: event.detailType, eventId } };
}
