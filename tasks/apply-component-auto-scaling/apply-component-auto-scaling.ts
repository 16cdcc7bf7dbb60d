import type {
  ComponentAutoScaling,
  ComponentAutoScalingRecord,
  RecordedScaling,
} from '../../contracts/parts/auto-scaling.ts';
import {
  type ComponentScalingGateway,
  desiredComponentRegistration,
  reconcileComponentScaling,
} from '../_shared/auto-scaling.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document ApplyComponentAutoScaling reads: the settings asked for and the record. */
export interface ApplyComponentAutoScalingState {
  request: { component: { name: string }; autoScaling?: ComponentAutoScaling | undefined };
  componentAutoScaling: { previous?: RecordedScaling | undefined };
}
export const ApplyComponentAutoScalingState = stateSlice<ApplyComponentAutoScalingState>({
  request: { component: { name: 'string' }, autoScaling: optional('object') },
  componentAutoScaling: { previous: optional('object') },
});

/** What ApplyComponentAutoScaling needs from the outside. */
export interface ApplyComponentAutoScalingDeps {
  scaling: ComponentScalingGateway;
}

/**
 * Once the component is deployed and healthy, makes its copy-count autoscaling what the input asks for: registered
 * (RegisterScalableTarget, not suspended) with its target-tracking policy on invocations per copy (PutScalingPolicy),
 * or not registered when the input has no `autoScaling`. Records what it registered (`componentAutoScaling.applied`).
 */
export async function applyComponentAutoScaling<S extends ApplyComponentAutoScalingState>(
  state: S,
  deps: ApplyComponentAutoScalingDeps,
) {
  const settings = state.request.autoScaling;
  const applied = settings === undefined ? undefined : desiredComponentRegistration(settings);
  await reconcileComponentScaling(deps.scaling, state.request.component.name, applied);
  const componentAutoScaling: ComponentAutoScalingRecord = {
    ...(state.componentAutoScaling as ComponentAutoScalingRecord),
    ...(applied !== undefined ? { applied } : {}),
  };
  return { ...state, componentAutoScaling };
}
