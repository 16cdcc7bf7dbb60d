import type { CreatedResource } from '../../contracts/contract-parts.ts';
import { DeploymentRolledBackError, EndpointFailedError } from '../../contracts/errors.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { CREATED_RESOURCE } from '../_shared/state-fields.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document VerifyDeployment reads: the endpoint, and the config it should serve. */
export interface VerifyDeploymentState {
  request: { endpointName: string };
  endpointConfig: CreatedResource;
}
export const VerifyDeploymentState = stateSlice<VerifyDeploymentState>({
  request: { endpointName: 'string' },
  endpointConfig: CREATED_RESOURCE,
});

/** What VerifyDeployment needs from the outside. */
export interface VerifyDeploymentDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint'>;
}

/**
 * Checks that the settled endpoint really serves the new config. SageMaker rolls a failed update back on its
 * own (InService on the old config, FailureReason set): that is DeploymentRolledBackError, never a success.
 */
export async function verifyDeployment<S extends VerifyDeploymentState>(state: S, deps: VerifyDeploymentDeps) {
  const name = state.request.endpointName;
  const expected = state.endpointConfig.name;
  const endpoint = await deps.sagemaker.describeEndpoint(name);
  if (endpoint === undefined) {
    throw new EndpointFailedError(`Endpoint ${name} no longer exists; it was deleted while the deployment ran`);
  }
  const reason = endpoint.failureReason ? `: ${endpoint.failureReason}` : '';
  if (endpoint.status === 'InService' && endpoint.configName === expected) {
    return {
      ...state,
      endpointStatus: { status: endpoint.status, settled: true, configName: expected },
    };
  }
  if (endpoint.status === 'InService') {
    throw new DeploymentRolledBackError(
      `Endpoint ${name} is InService on ${endpoint.configName ?? 'an unknown config'}, not on ${expected}; SageMaker rolled the update back${reason}`,
    );
  }
  throw new EndpointFailedError(`Endpoint ${name} is ${endpoint.status}, expected InService on ${expected}${reason}`);
}
