import type { WaitProgress } from '../../contracts/contract-parts.ts';
import type { WaitPolicy } from '../../contracts/parts/endpoint.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { WAIT_PROGRESS } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { nextWait, TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document GetEndpointStatus reads: the endpoint, and where its wait loop stands. */
export interface GetEndpointStatusState {
  request: { endpointName: string; wait: WaitPolicy };
  wait?: WaitProgress | undefined;
}
export const GetEndpointStatusState = stateSlice<GetEndpointStatusState>({
  request: { endpointName: 'string', wait: 'object' },
  wait: optional(WAIT_PROGRESS),
});

/** What GetEndpointStatus needs from the outside. */
interface GetEndpointStatusDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint'>;
  now(): Date;
}

/** Status reported for an endpoint that no longer exists (the goal of deleting it on rollback). */
const DELETED_STATUS = 'Deleted';

/**
 * One poll of the wait loop: describes the endpoint, says whether it has settled and, if not, how long to
 * wait next (capped exponential backoff). Past the deadline it raises DeploymentTimeoutError.
 */
export async function getEndpointStatus<S extends GetEndpointStatusState>(state: S, deps: GetEndpointStatusDeps) {
  const name = state.request.endpointName;
  const endpoint = await deps.sagemaker.describeEndpoint(name);
  const status = endpoint?.status ?? DELETED_STATUS;
  const settled = !TRANSITIONAL_STATUSES.has(status);
  const endpointStatus = {
    status,
    settled,
    ...(endpoint?.configName !== undefined ? { configName: endpoint.configName } : {}),
    ...(endpoint?.failureReason !== undefined ? { failureReason: endpoint.failureReason } : {}),
  };
  if (settled || state.wait === undefined) return { ...state, endpointStatus };
  const wait = nextWait(state.wait, state.request.wait, deps.now(), () => `Endpoint ${name} is still ${status}`);
  return { ...state, endpointStatus, wait };
}
