import type { CreatedResource, WaitProgress } from '../../contracts/contract-parts.ts';
import {
  DeploymentRolledBackError,
  DeploymentTimeoutError,
  EndpointFailedError,
  ForeignEndpointChangeError,
} from '../../contracts/errors.ts';
import type { EndpointChange, WaitPolicy } from '../../contracts/parts/endpoint.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { CREATED_RESOURCE, ENDPOINT_CHANGE, WAIT_PROGRESS } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document VerifyDeployment reads: the endpoint, the config it should serve, and the one before. */
export interface VerifyDeploymentState {
  request: { endpointName: string; wait?: WaitPolicy | undefined };
  endpointConfig: CreatedResource;
  /** What StartDeployment did: for an update, the config the endpoint served before it. */
  endpoint?: EndpointChange | undefined;
  /** The endpoint wait's deadline. */
  wait?: WaitProgress | undefined;
}
export const VerifyDeploymentState = stateSlice<VerifyDeploymentState>({
  request: { endpointName: 'string', wait: optional('object') },
  endpointConfig: CREATED_RESOURCE,
  endpoint: optional(ENDPOINT_CHANGE),
  wait: optional(WAIT_PROGRESS),
});

/** What VerifyDeployment needs from the outside. */
interface VerifyDeploymentDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint'>;
}

/**
 * Checks that the settled endpoint really serves the new config, and when it does not, says whose doing that is:
 * - InService on the config recorded before this run's update, with a FailureReason: SageMaker rolled the update
 *   back on its own (DeploymentRolledBackError), never a success;
 * - InService on any other config, or deleted: something other than this run changed the endpoint meanwhile
 *   (ForeignEndpointChangeError); the run rolls nothing back (StartRollback leaves an endpoint it does not own);
 * - still moving (the wait ended at its deadline): DeploymentTimeoutError;
 * - otherwise (Failed on this run's config): EndpointFailedError with SageMaker's reason.
 */
export async function verifyDeployment<S extends VerifyDeploymentState>(state: S, deps: VerifyDeploymentDeps) {
  const name = state.request.endpointName;
  const expected = state.endpointConfig.name;
  const previous = state.endpoint?.action === 'update' ? state.endpoint.previousConfigName : undefined;
  const endpoint = await deps.sagemaker.describeEndpoint(name);
  if (endpoint === undefined) {
    throw new ForeignEndpointChangeError(
      `Endpoint ${name} no longer exists: it was deleted by something other than this deployment while it ran`,
    );
  }
  if (TRANSITIONAL_STATUSES.has(endpoint.status)) {
    const minutes = state.request.wait ? ` after ${state.request.wait.timeoutMinutes} minutes` : '';
    const deadline = state.wait ? ` (deadline ${state.wait.deadline})` : '';
    throw new DeploymentTimeoutError(`Endpoint ${name} is still ${endpoint.status}${minutes}${deadline}`);
  }
  const reason = endpoint.failureReason ? `: ${endpoint.failureReason}` : '';
  const serving = endpoint.configName ?? 'no config';
  if (endpoint.status === 'InService' && endpoint.configName === expected) {
    return {
      ...state,
      endpointStatus: { status: endpoint.status, settled: true, configName: expected },
    };
  }
  if (endpoint.status === 'InService' && previous !== undefined && serving === previous && endpoint.failureReason) {
    throw new DeploymentRolledBackError(
      `Endpoint ${name} is InService on ${serving}, not on ${expected}; SageMaker rolled the update back${reason}`,
    );
  }
  if (endpoint.status === 'InService' || serving !== expected) {
    const before = previous !== undefined ? ` nor the one it served before (${previous})` : '';
    throw new ForeignEndpointChangeError(
      `Endpoint ${name} is ${endpoint.status} on ${serving}, which is neither this deployment's config (${expected})${before}: another deployment or a change by hand replaced it while this one ran; it is left as it is`,
    );
  }
  throw new EndpointFailedError(`Endpoint ${name} is ${endpoint.status}, expected InService on ${expected}${reason}`);
}
