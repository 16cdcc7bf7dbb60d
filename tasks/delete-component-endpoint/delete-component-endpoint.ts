import { ResourceConflictError } from '../../contracts/errors.ts';
import type { InferenceComponentGateway } from '../_shared/inference-components.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document DeleteComponentEndpoint reads. */
export interface DeleteComponentEndpointState {
  request: { endpointName: string; deleteEndpointWhenEmpty?: boolean | undefined };
  /** What this run did about the endpoint (EnsureComponentEndpoint); absent when it did not touch it. */
  componentEndpoint?: { created: boolean } | undefined;
}
export const DeleteComponentEndpointState = stateSlice<DeleteComponentEndpointState>({
  request: { endpointName: 'string', deleteEndpointWhenEmpty: optional('boolean') },
  componentEndpoint: optional({ created: 'boolean' }),
});

/** What DeleteComponentEndpoint needs from the outside. */
interface DeleteComponentEndpointDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint' | 'deleteEndpoint' | 'deleteEndpointConfig'>;
  components: Pick<InferenceComponentGateway, 'listComponents'>;
}

/**
 * Deletes the endpoint (and its config) when this run created it, or when asked to once it is empty
 * (`deleteEndpointWhenEmpty`), and only when it hosts no inference component; otherwise leaves it. Reports what
 * it did in `endpointRemoval`.
 */
export async function deleteComponentEndpoint<S extends DeleteComponentEndpointState>(
  state: S,
  deps: DeleteComponentEndpointDeps,
) {
  const name = state.request.endpointName;
  const wanted = state.componentEndpoint?.created === true || state.request.deleteEndpointWhenEmpty === true;
  if (!wanted) return { ...state, endpointRemoval: { deleted: false, reason: 'kept: this run did not create it' } };
  const endpoint = await deps.sagemaker.describeEndpoint(name);
  if (endpoint === undefined) return { ...state, endpointRemoval: { deleted: false, reason: 'already gone' } };
  const remaining = await deps.components.listComponents(name);
  if (remaining.length > 0) {
    return {
      ...state,
      endpointRemoval: { deleted: false, reason: `kept: it hosts inference components (${remaining.join(', ')})` },
    };
  }
  if (TRANSITIONAL_STATUSES.has(endpoint.status) && endpoint.status !== 'Deleting') {
    throw new ResourceConflictError(`Endpoint ${name} is ${endpoint.status}; it cannot be deleted now`);
  }
  await deps.sagemaker.deleteEndpoint(name);
  if (endpoint.configName !== undefined) await deps.sagemaker.deleteEndpointConfig(endpoint.configName);
  return { ...state, endpointRemoval: { deleted: true, reason: 'it hosts no inference component' } };
}
