import type { CreatedResource, ExecutionFacts } from '../../contracts/contract-parts.ts';
import { EndpointBusyError } from '../../contracts/errors.ts';
import type { EndpointChange, WaitPolicy } from '../../contracts/parts/endpoint.ts';
import { endpointMadeBy } from '../_shared/execution-leftovers.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { CREATED_RESOURCE, ENDPOINT_CHANGE } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import type { BeforeChange } from '../_shared/task-tokens.ts';
import { startWaiting, TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document StartRollback reads: what the run changed on the endpoint, if anything. */
export interface StartRollbackState {
  request: { endpointName: string; onFailure: 'rollback' | 'retain'; wait: WaitPolicy };
  execution: ExecutionFacts;
  /** Absent when the run failed before StartDeployment changed anything, or before its result arrived. */
  endpoint?: EndpointChange | undefined;
  /** This run's endpoint config: the endpoint is this run's to undo only while it serves it. */
  endpointConfig?: CreatedResource | undefined;
}
export const StartRollbackState = stateSlice<StartRollbackState>({
  request: { endpointName: 'string', onFailure: 'string', wait: 'object' },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
  endpoint: optional(ENDPOINT_CHANGE),
  endpointConfig: optional(CREATED_RESOURCE),
});

/** What StartRollback needs from the outside. */
export interface StartRollbackDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint' | 'updateEndpoint' | 'deleteEndpoint' | 'listTags'>;
  now(): Date;
  /**
   * Called just before UpdateEndpoint or DeleteEndpoint with the change and the state this step will return: where
   * the waiting task's token is stored. @default - nothing
   */
  beforeChange?: BeforeChange;
  /**
   * The change to the endpoint this execution's wait record names (written before StartDeployment's Create or
   * UpdateEndpoint call, tasks/_shared/task-tokens.ts), for a change whose result never arrived. @default - none
   */
  recordedChange?(endpointName: string, executionId: string): Promise<EndpointChange | undefined>;
}

/**
 * Begins undoing what the deployment changed on the endpoint, and only that: an update goes back to the recorded
 * config (unless SageMaker already rolled it back), so a serving endpoint never stays on a failed release; a
 * first-time endpoint is deleted unless `onFailure` is `retain` (kept for inspection). Either happens only while the
 * endpoint still serves this run's config (or is Failed on it): an endpoint that serves another config was changed
 * by something else since, and is left as it is (`action: none`, with the reason). A busy endpoint raises
 * EndpointBusyError, which the state machine retries until it settles.
 *
 * When the state records no change, StartDeployment may still have made it and then failed past its retries (its
 * result lost): an endpoint of the request's name that this execution made, by the execution cleanup's rule (its
 * tag, created after the execution started), is this run's new endpoint; otherwise the change this execution's wait
 * record names (an update, with the config the endpoint served before it) is. Either is recorded in `endpoint` and
 * undone as any other.
 */
export async function startRollback<S extends StartRollbackState>(state: S, deps: StartRollbackDeps) {
  const wait = startWaiting(state.request.wait, deps.now());
  const found =
    state.endpoint === undefined
      ? ((await unrecordedNewEndpoint(state, deps)) ??
        (await deps.recordedChange?.(state.request.endpointName, state.execution.id)))
      : undefined;
  if (found !== undefined) return startRollback({ ...state, endpoint: found }, deps);
  const change = state.endpoint;
  if (change === undefined || change.action === 'none') {
    return { ...state, rollback: { action: 'none' }, wait };
  }
  if (change.action === 'create' && state.request.onFailure === 'retain') {
    return { ...state, rollback: { action: 'retain' }, wait };
  }
  const current = await deps.sagemaker.describeEndpoint(change.name);
  if (current === undefined) {
    if (change.action === 'create') return { ...state, rollback: { action: 'delete' }, wait };
    const reason = `Endpoint ${change.name} no longer exists; there is nothing to restore`;
    return { ...state, rollback: { action: 'none', reason }, wait };
  }
  if (TRANSITIONAL_STATUSES.has(current.status)) {
    throw new EndpointBusyError(`Endpoint ${change.name} is ${current.status}; rollback waits until it settles`);
  }
  const ours = state.endpointConfig?.name;
  const previous = change.previousConfigName;
  const servesOurs = ours !== undefined && current.configName === ours;
  if (change.action === 'update' && previous !== undefined && current.configName === previous) {
    // SageMaker already rolled the update back: the endpoint is where it was.
    return { ...state, rollback: { action: 'restore', configName: previous }, wait };
  }
  if (!servesOurs) {
    const reason = `Endpoint ${change.name} is ${current.status} on ${current.configName ?? 'no config'}, not on this run's ${ours ?? 'config'}: something else changed it since, so it is left as it is`;
    return { ...state, rollback: { action: 'none', reason }, wait };
  }
  if (change.action === 'create') {
    const deleted = { ...state, rollback: { action: 'delete' }, wait };
    await deps.beforeChange?.({ action: 'delete', output: deleted });
    await deps.sagemaker.deleteEndpoint(change.name);
    return deleted;
  }
  if (previous === undefined) throw new Error(`No previous endpoint config was recorded for ${change.name}`);
  const restored = { ...state, rollback: { action: 'restore', configName: previous }, wait };
  await deps.beforeChange?.({ action: 'restore', targetConfigName: previous, output: restored });
  await deps.sagemaker.updateEndpoint(change.name, previous, undefined);
  return restored;
}

/** The endpoint of the request, as a change `create`, when this execution made it but the state does not record it. */
async function unrecordedNewEndpoint(
  state: StartRollbackState,
  deps: StartRollbackDeps,
): Promise<EndpointChange | undefined> {
  const endpoint = await deps.sagemaker.describeEndpoint(state.request.endpointName);
  if (endpoint === undefined || !(await endpointMadeBy(endpoint, state.execution, deps.sagemaker))) return undefined;
  return { name: endpoint.name, arn: endpoint.arn, action: 'create' };
}
