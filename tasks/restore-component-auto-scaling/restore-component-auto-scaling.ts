import type { ComponentAutoScalingRecord, RecordedScaling } from '../../contracts/parts/auto-scaling.ts';
import { type ComponentScalingGateway, reconcileComponentScaling } from '../_shared/auto-scaling.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document RestoreComponentAutoScaling reads: the component and the recorded registration. */
export interface RestoreComponentAutoScalingState {
  request: { component: { name: string } };
  /** Absent when the run failed before the registration was recorded: then nothing of it changed. */
  componentAutoScaling?: { previous?: RecordedScaling | undefined } | undefined;
}
export const RestoreComponentAutoScalingState = stateSlice<RestoreComponentAutoScalingState>({
  request: { component: { name: 'string' } },
  componentAutoScaling: optional({ previous: optional('object') }),
});

/** What RestoreComponentAutoScaling needs from the outside. */
export interface RestoreComponentAutoScalingDeps {
  scaling: ComponentScalingGateway;
}

/**
 * On the way to a failed end, once the component's rollback has settled: puts back the registration recorded before
 * the deployment (`componentAutoScaling.previous`: its range, suspended state and policies; none when it had none,
 * as for a component this run created), so a failed deployment leaves the component's autoscaling as it found it.
 */
export async function restoreComponentAutoScaling<S extends RestoreComponentAutoScalingState>(
  state: S,
  deps: RestoreComponentAutoScalingDeps,
) {
  const recorded = state.componentAutoScaling;
  if (recorded === undefined) return state;
  await reconcileComponentScaling(deps.scaling, state.request.component.name, recorded.previous);
  const componentAutoScaling: ComponentAutoScalingRecord = {
    ...(recorded as ComponentAutoScalingRecord),
    restored: true,
  };
  return { ...state, componentAutoScaling };
}
