import type { AutoScalingGateway } from '../_shared/auto-scaling.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document RecordAutoScaling reads: the endpoint's name. */
export interface RecordAutoScalingState {
  request: { endpointName: string };
}
export const RecordAutoScalingState = stateSlice<RecordAutoScalingState>({ request: { endpointName: 'string' } });

/** What RecordAutoScaling needs from the outside. */
interface RecordAutoScalingDeps {
  autoScaling: Pick<AutoScalingGateway, 'describeTargets'>;
}

/**
 * Records the endpoint's autoscaling registration before the deployment changes anything (`autoScaling.previous`):
 * what a rollback restores. Reads only, so a retry records the same registration.
 */
export async function recordAutoScaling<S extends RecordAutoScalingState>(state: S, deps: RecordAutoScalingDeps) {
  const previous = await deps.autoScaling.describeTargets(state.request.endpointName);
  return { ...state, autoScaling: { previous } };
}
