import type { ExecutionFacts } from '../../contracts/contract-parts.ts';
import { EndpointBusyError } from '../../contracts/errors.ts';
import { endpointMadeBy } from '../_shared/execution-leftovers.ts';
import type { InferenceComponentGateway } from '../_shared/inference-components.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document DeleteComponentEndpoint reads. */
export interface DeleteComponentEndpointState {
  request: { endpointName: string; deleteEndpointWhenEmpty?: boolean | undefined };
  execution: ExecutionFacts;
  /**
   * What this run did about the endpoint (EnsureComponentEndpoint); absent when it did not touch it, or when
   * EnsureComponentEndpoint's result was lost after it created the endpoint.
   */
  componentEndpoint?: { created: boolean } | undefined;
}
export const DeleteComponentEndpointState = stateSlice<DeleteComponentEndpointState>({
  request: { endpointName: 'string', deleteEndpointWhenEmpty: optional('boolean') },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
  componentEndpoint: optional({ created: 'boolean' }),
});

/** What DeleteComponentEndpoint needs from the outside. */
export interface DeleteComponentEndpointDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint' | 'deleteEndpoint' | 'deleteEndpointConfig' | 'listTags'>;
  components: Pick<InferenceComponentGateway, 'listComponents'>;
}

/**
 * Deletes the endpoint (and its config) when this run created it, or when asked to once it is empty
 * (`deleteEndpointWhenEmpty`), and only when it hosts no inference component; otherwise leaves it. Reports what
 * it did in `endpointRemoval`. When the state records nothing about the endpoint, the endpoint counts as this run's
 * by the execution cleanup's rule (tasks/_shared/execution-leftovers.ts): it carries this execution's tag and was
 * created after the execution started (EnsureComponentEndpoint created it, then failed past its retries). An endpoint
 * still in progress is busy (EndpointBusyError: DeployInferenceComponent retries it until it settles).
 */
export async function deleteComponentEndpoint<S extends DeleteComponentEndpointState>(
  state: S,
  deps: DeleteComponentEndpointDeps,
) {
  const name = state.request.endpointName;
  const recordedOrAsked = state.componentEndpoint?.created === true || state.request.deleteEndpointWhenEmpty === true;
  if (!recordedOrAsked && state.componentEndpoint !== undefined) return { ...state, endpointRemoval: notOurs };
  const endpoint = await deps.sagemaker.describeEndpoint(name);
  if (endpoint === undefined) return { ...state, endpointRemoval: { deleted: false, reason: 'already gone' } };
  if (!recordedOrAsked && !(await endpointMadeBy(endpoint, state.execution, deps.sagemaker))) {
    return { ...state, endpointRemoval: notOurs };
  }
  const remaining = await deps.components.listComponents(name);
  if (remaining.length > 0) {
    return {
      ...state,
      endpointRemoval: { deleted: false, reason: `kept: it hosts inference components (${remaining.join(', ')})` },
    };
  }
  if (TRANSITIONAL_STATUSES.has(endpoint.status) && endpoint.status !== 'Deleting') {
    throw new EndpointBusyError(`Endpoint ${name} is ${endpoint.status}; it cannot be deleted until it settles`);
  }
  await deps.sagemaker.deleteEndpoint(name);
  if (endpoint.configName !== undefined) await deps.sagemaker.deleteEndpointConfig(endpoint.configName);
  return { ...state, endpointRemoval: { deleted: true, reason: 'it hosts no inference component' } };
}

const notOurs = { deleted: false, reason: 'kept: this run did not create it' };
