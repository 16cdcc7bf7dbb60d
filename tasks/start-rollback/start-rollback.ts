import { EndpointBusyError } from '../../contracts/errors.ts';
import type { EndpointChange, WaitPolicy } from '../../contracts/parts/endpoint.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { ENDPOINT_CHANGE } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { startWaiting, TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document StartRollback reads: what the run changed on the endpoint, if anything. */
export interface StartRollbackState {
  request: { onFailure: 'rollback' | 'retain'; wait: WaitPolicy };
  /** Absent when the run failed before StartDeployment changed anything. */
  endpoint?: EndpointChange | undefined;
}
export const StartRollbackState = stateSlice<StartRollbackState>({
  request: { onFailure: 'string', wait: 'object' },
  endpoint: optional(ENDPOINT_CHANGE),
});

/** What StartRollback needs from the outside. */
export interface StartRollbackDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint' | 'updateEndpoint' | 'deleteEndpoint'>;
  now(): Date;
}

/**
 * Begins undoing what the deployment changed on the endpoint: an update always goes back to the recorded
 * config (unless SageMaker already rolled it back), so a serving endpoint never stays on a failed release;
 * a first-time endpoint is deleted unless `onFailure` is `retain` (kept for inspection). A busy endpoint
 * raises EndpointBusyError, which the state machine retries.
 */
export async function startRollback<S extends StartRollbackState>(state: S, deps: StartRollbackDeps) {
  const wait = startWaiting(state.request.wait, deps.now());
  const change = state.endpoint;
  if (change === undefined || change.action === 'none') {
    return { ...state, rollback: { action: 'none' }, wait };
  }
  if (change.action === 'create' && state.request.onFailure === 'retain') {
    return { ...state, rollback: { action: 'retain' }, wait };
  }
  const current = await deps.sagemaker.describeEndpoint(change.name);
  if (current === undefined) {
    return { ...state, rollback: { action: 'delete' }, wait };
  }
  if (TRANSITIONAL_STATUSES.has(current.status)) {
    throw new EndpointBusyError(`Endpoint ${change.name} is ${current.status}; rollback waits until it settles`);
  }
  if (change.action === 'create') {
    await deps.sagemaker.deleteEndpoint(change.name);
    return { ...state, rollback: { action: 'delete' }, wait };
  }
  const previous = change.previousConfigName;
  if (previous === undefined) throw new Error(`No previous endpoint config was recorded for ${change.name}`);
  if (current.configName !== previous) {
    await deps.sagemaker.updateEndpoint(change.name, previous, undefined);
  }
  return { ...state, rollback: { action: 'restore', configName: previous }, wait };
}
