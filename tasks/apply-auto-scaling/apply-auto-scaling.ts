import type {
  AutoScalingByVariant,
  AutoScalingRecord,
  RecordedScalingTarget,
} from '../../contracts/parts/auto-scaling.ts';
import { type AutoScalingGateway, desiredRegistration, reconcileScaling } from '../_shared/auto-scaling.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document ApplyAutoScaling reads: the settings asked for and the recorded registration. */
export interface ApplyAutoScalingState {
  request: { endpointName: string; autoScaling?: AutoScalingByVariant | undefined };
  autoScaling: { previous: readonly RecordedScalingTarget[] };
}
export const ApplyAutoScalingState = stateSlice<ApplyAutoScalingState>({
  request: { endpointName: 'string', autoScaling: optional('object') },
  autoScaling: { previous: 'array' },
});

/** What ApplyAutoScaling needs from the outside. */
interface ApplyAutoScalingDeps {
  autoScaling: AutoScalingGateway;
}

/**
 * Once the deployment is verified and healthy, makes the endpoint's autoscaling what the input asks for: each
 * variant of `autoScaling` registered (RegisterScalableTarget) with its target-tracking policy (PutScalingPolicy),
 * and no other variant of the endpoint registered. Records what it registered (`autoScaling.applied`).
 */
export async function applyAutoScaling<S extends ApplyAutoScalingState>(state: S, deps: ApplyAutoScalingDeps) {
  const { endpointName } = state.request;
  const applied = Object.entries(state.request.autoScaling ?? {}).map(([variant, settings]) =>
    desiredRegistration(endpointName, variant, settings),
  );
  await reconcileScaling(deps.autoScaling, endpointName, applied);
  const autoScaling: AutoScalingRecord = { ...(state.autoScaling as AutoScalingRecord), applied };
  return { ...state, autoScaling };
}
