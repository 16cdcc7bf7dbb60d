import type { ComponentAutoScalingRecord } from '../../contracts/parts/auto-scaling.ts';
import type { ComponentScalingGateway } from '../_shared/auto-scaling.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document RecordComponentAutoScaling reads: the component's name. */
export interface RecordComponentAutoScalingState {
  request: { component: { name: string } };
}
export const RecordComponentAutoScalingState = stateSlice<RecordComponentAutoScalingState>({
  request: { component: { name: 'string' } },
});

/** What RecordComponentAutoScaling needs from the outside. */
export interface RecordComponentAutoScalingDeps {
  scaling: Pick<ComponentScalingGateway, 'describe'>;
}

/**
 * Records the component's copy-count autoscaling before the deployment changes anything
 * (`componentAutoScaling.previous`, absent when it is not registered): what a rollback restores. Reads only, so a
 * retry records the same registration.
 */
export async function recordComponentAutoScaling<S extends RecordComponentAutoScalingState>(
  state: S,
  deps: RecordComponentAutoScalingDeps,
) {
  const previous = await deps.scaling.describe(state.request.component.name);
  const componentAutoScaling: ComponentAutoScalingRecord = previous === undefined ? {} : { previous };
  return { ...state, componentAutoScaling };
}
