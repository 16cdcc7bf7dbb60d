import type { CreatedResource, ExecutionFacts, TagMap } from '../../contracts/contract-parts.ts';
import { EndpointBusyError, EndpointFailedError, ResourceConflictError } from '../../contracts/errors.ts';
import type { DeploymentGuardrails, WaitPolicy } from '../../contracts/parts/endpoint.ts';
import { toDeploymentConfig } from '../_shared/deployment-config.ts';
import type { EndpointDescription, SageMakerGateway } from '../_shared/sagemaker.ts';
import { CREATED_RESOURCE } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { ownershipTags, TagKeys } from '../_shared/tags.ts';
import type { BeforeChange } from '../_shared/task-tokens.ts';
import { startWaiting, TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document StartDeployment reads: the endpoint, its guardrails, and the new config. */
export interface StartDeploymentState {
  request: { endpointName: string; deployment?: DeploymentGuardrails | undefined; wait: WaitPolicy; tags: TagMap };
  execution: ExecutionFacts;
  endpointConfig: CreatedResource;
}
export const StartDeploymentState = stateSlice<StartDeploymentState>({
  request: { endpointName: 'string', deployment: optional('object'), wait: 'object', tags: 'object' },
  execution: 'object',
  endpointConfig: CREATED_RESOURCE,
});

/** What StartDeployment needs from the outside. */
interface StartDeploymentDeps {
  sagemaker: Pick<
    SageMakerGateway,
    'describeEndpoint' | 'describeEndpointConfig' | 'createEndpoint' | 'updateEndpoint' | 'listTags'
  >;
  now(): Date;
  /**
   * Called just before CreateEndpoint or UpdateEndpoint with the change and the state this step will return (a new
   * endpoint's ARN still empty): where the waiting task's token is stored. @default - nothing
   */
  beforeChange?: BeforeChange;
}

/**
 * Creates the endpoint, or updates it to the new config after recording the config it serves now. A busy
 * endpoint raises EndpointBusyError (the state machine retries for a bounded time); a run that already
 * started this very change (a retry) picks it up instead of starting it twice.
 */
export async function startDeployment<S extends StartDeploymentState>(state: S, deps: StartDeploymentDeps) {
  const name = state.request.endpointName;
  const newConfig = state.endpointConfig.name;
  const deploymentConfig = toDeploymentConfig(state.request.deployment);
  const current = await deps.sagemaker.describeEndpoint(name);
  const wait = startWaiting(state.request.wait, deps.now());

  if (current === undefined) {
    await deps.beforeChange?.({
      action: 'create',
      targetConfigName: newConfig,
      output: { ...state, endpoint: { name, arn: '', action: 'create' }, wait },
    });
    let arn: string;
    try {
      arn = await deps.sagemaker.createEndpoint(name, newConfig, deploymentConfig, ownershipTags(state));
    } catch (error) {
      // The create went through but its answer was lost (a reset connection), and the SDK's retry of it found the
      // endpoint: started, when it is on the new config.
      const started = await startedMeanwhile(error, name, deps, (e) => e.configName === newConfig);
      arn = started.arn;
    }
    return { ...state, endpoint: { name, arn, action: 'create' }, wait };
  }
  const { status, configName, pendingConfigName } = current;
  if (status === 'Creating' && configName === newConfig) {
    return { ...state, endpoint: { name, arn: current.arn, action: 'create' }, wait };
  }
  if (status === 'Updating' && pendingConfigName === newConfig && configName !== undefined) {
    return {
      ...state,
      endpoint: { name, arn: current.arn, action: 'update', previousConfigName: configName },
      wait,
    };
  }
  if (TRANSITIONAL_STATUSES.has(status)) {
    throw new EndpointBusyError(`Endpoint ${name} is ${status}; it must be InService before it can be updated`);
  }
  if (status !== 'InService') {
    const reason = current.failureReason ? ` (${current.failureReason})` : '';
    throw new EndpointFailedError(
      `Endpoint ${name} is ${status}${reason}; SageMaker cannot update it. Delete it, then deploy again`,
    );
  }
  if (configName === newConfig) {
    // Already serving the new config: a redeploy of the verified release (nothing to change), or a retry of
    // this run after its update completed. FinalizeDeployment tags the endpoint with the last verified
    // config; if that is another config, this change is still unverified and that config is what to restore.
    const verified = (await deps.sagemaker.listTags(current.arn))[TagKeys.endpointConfig];
    if (verified !== undefined && verified !== newConfig) {
      return { ...state, endpoint: { name, arn: current.arn, action: 'update', previousConfigName: verified }, wait };
    }
    return { ...state, endpoint: { name, arn: current.arn, action: 'none' }, wait };
  }
  // An endpoint for inference components (its config names no model) serves components, not a config of models:
  // an update to one would take their instances (the components are changed with DeployInferenceComponent).
  const serving = configName === undefined ? undefined : await deps.sagemaker.describeEndpointConfig(configName);
  if (serving?.ProductionVariants.some((v) => v.ModelName === undefined)) {
    throw new ResourceConflictError(
      `Endpoint ${name} hosts inference components (its config ${configName} names no model); deploy to it with DeployInferenceComponent, or deploy this model to another endpoint`,
    );
  }
  const updated = (arn: string) => ({
    ...state,
    endpoint: {
      name,
      arn,
      action: 'update',
      ...(configName !== undefined ? { previousConfigName: configName } : {}),
    },
    wait,
  });
  await deps.beforeChange?.({ action: 'update', targetConfigName: newConfig, output: updated(current.arn) });
  let arn: string;
  try {
    arn = await deps.sagemaker.updateEndpoint(name, newConfig, deploymentConfig);
  } catch (error) {
    // The update went through but its answer was lost, and the SDK's retry of it found the endpoint updating (or,
    // the update done, on the new config): started.
    const started = await startedMeanwhile(
      error,
      name,
      deps,
      (e) => e.pendingConfigName === newConfig || (e.status === 'InService' && e.configName === newConfig),
    );
    arn = started.arn;
  }
  return updated(arn || current.arn);
}

/**
 * The endpoint a CreateEndpoint or UpdateEndpoint that SageMaker refused as already done or in progress ("Cannot
 * create already existing endpoint", "Cannot update in-progress endpoint") started itself, its answer lost: when
 * the endpoint is now what `isThisChange` says the change makes it. Anything else rethrows the refusal.
 */
async function startedMeanwhile(
  error: unknown,
  name: string,
  deps: StartDeploymentDeps,
  isThisChange: (endpoint: EndpointDescription) => boolean,
): Promise<EndpointDescription> {
  const refused =
    error instanceof Error && /^Cannot (create already existing|update in-progress) endpoint/.test(error.message);
  if (!refused) throw error;
  const endpoint = await deps.sagemaker.describeEndpoint(name);
  if (endpoint === undefined || !isThisChange(endpoint)) throw error;
  return endpoint;
}
