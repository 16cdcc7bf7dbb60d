import type { CreatedResource, ExecutionFacts } from '../../contracts/contract-parts.ts';
import { EndpointBusyError } from '../../contracts/errors.ts';
import type { RecordedScalingTarget } from '../../contracts/parts/auto-scaling.ts';
import type { EndpointChange, WaitPolicy } from '../../contracts/parts/endpoint.ts';
import { type AutoScalingGateway, sizedVariants, variantsBlockingUpdate } from '../_shared/auto-scaling.ts';
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
  /**
   * The autoscaling registration recorded before the deployment (DeployEndpoint's RecordAutoScaling), which the
   * rollback path restores after the endpoint is back (RestoreAutoScaling). Absent in a workflow that does not manage
   * autoscaling, or before it was recorded: then StartRollback leaves every registration as it is.
   */
  autoScaling?: { previous: readonly RecordedScalingTarget[] } | undefined;
}
export const StartRollbackState = stateSlice<StartRollbackState>({
  request: { endpointName: 'string', onFailure: 'string', wait: 'object' },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
  endpoint: optional(ENDPOINT_CHANGE),
  endpointConfig: optional(CREATED_RESOURCE),
  autoScaling: optional({ previous: 'array' }),
});

/** What StartRollback needs from the outside. */
export interface StartRollbackDeps {
  sagemaker: Pick<
    SageMakerGateway,
    'describeEndpoint' | 'describeEndpointConfig' | 'updateEndpoint' | 'deleteEndpoint' | 'listTags'
  >;
  /** The endpoint's variants' registrations, for an update back that SageMaker refuses while they are registered. */
  autoScaling: Pick<AutoScalingGateway, 'describeTargets' | 'deregister'>;
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
 *
 * Before the update back, when the run recorded the endpoint's autoscaling registration (`autoScaling.previous`),
 * the variants registered now that the previous config gives another instance type (or does not have) are
 * deregistered, as SuspendAutoScaling does before the deployment's update: SageMaker refuses the update otherwise (a
 * failure after ApplyAutoScaling registered the new release's variants). RestoreAutoScaling puts the recorded
 * registration back once the endpoint has settled.
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
  if (state.autoScaling !== undefined)
    await deregisterBlockingVariants(change.name, current.configName, previous, deps);
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

/**
 * Deregisters the endpoint's registered variants that would make SageMaker refuse the update from `fromConfig` back
 * to `toConfig` (variantsBlockingUpdate). Deregistering an unregistered variant changes nothing, so a retry ends the
 * same.
 */
async function deregisterBlockingVariants(
  endpointName: string,
  fromConfig: string | undefined,
  toConfig: string,
  deps: StartRollbackDeps,
): Promise<void> {
  const registered = (await deps.autoScaling.describeTargets(endpointName)).map((t) => t.variantName);
  if (registered.length === 0) return;
  const [from, to] = await Promise.all([
    fromConfig === undefined ? undefined : deps.sagemaker.describeEndpointConfig(fromConfig),
    deps.sagemaker.describeEndpointConfig(toConfig),
  ]);
  for (const variantName of variantsBlockingUpdate(registered, sizedVariants(from), sizedVariants(to))) {
    await deps.autoScaling.deregister(endpointName, variantName);
  }
}
