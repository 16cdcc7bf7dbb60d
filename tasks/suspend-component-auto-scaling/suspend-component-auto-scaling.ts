import type { ComponentAutoScalingRecord, RecordedScaling } from '../../contracts/parts/auto-scaling.ts';
import { type ComponentScalingGateway, SUSPENDED } from '../_shared/auto-scaling.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document SuspendComponentAutoScaling reads: the component and its recorded registration. */
export interface SuspendComponentAutoScalingState {
  request: { component: { name: string } };
  componentAutoScaling: { previous?: RecordedScaling | undefined };
}
export const SuspendComponentAutoScalingState = stateSlice<SuspendComponentAutoScalingState>({
  request: { component: { name: 'string' } },
  componentAutoScaling: { previous: optional('object') },
});

/** What SuspendComponentAutoScaling needs from the outside. */
export interface SuspendComponentAutoScalingDeps {
  scaling: Pick<ComponentScalingGateway, 'register'>;
}

/**
 * Before the component changes, suspends its scaling in every direction (RegisterScalableTarget with SuspendedState;
 * its range and policies stay), so that target tracking does not change the copy count while copies roll out or
 * roll back. The registration is applied anew once the deployment is verified, or restored by a rollback. Registering
 * the same suspended state again is a no-op, so a retry ends the same.
 */
export async function suspendComponentAutoScaling<S extends SuspendComponentAutoScalingState>(
  state: S,
  deps: SuspendComponentAutoScalingDeps,
) {
  const previous = state.componentAutoScaling.previous;
  if (previous !== undefined) {
    await deps.scaling.register(state.request.component.name, { ...previous, suspendedState: SUSPENDED });
  }
  const componentAutoScaling: ComponentAutoScalingRecord = {
    ...(state.componentAutoScaling as ComponentAutoScalingRecord),
    suspended: previous !== undefined,
  };
  return { ...state, componentAutoScaling };
}
