import type { AutoScalingRecord, RecordedScalingTarget } from '../../contracts/parts/auto-scaling.ts';
import { type AutoScalingGateway, reconcileScaling } from '../_shared/auto-scaling.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document RestoreAutoScaling reads: the recorded registration and what rollback did. */
export interface RestoreAutoScalingState {
  request: { endpointName: string };
  /** Absent when the run failed before the registration was recorded: then nothing of it changed. */
  autoScaling?: { previous: readonly RecordedScalingTarget[] } | undefined;
  /** `reason`: StartRollback left the endpoint alone, since something else changed it since. */
  rollback: { action: string; reason?: string | undefined };
}
export const RestoreAutoScalingState = stateSlice<RestoreAutoScalingState>({
  request: { endpointName: 'string' },
  autoScaling: optional({ previous: 'array' }),
  rollback: { action: 'string', reason: optional('string') },
});

/** What RestoreAutoScaling needs from the outside. */
interface RestoreAutoScalingDeps {
  autoScaling: AutoScalingGateway;
}

/**
 * On the rollback path, once the endpoint is back on its previous config: puts back the autoscaling registration
 * recorded before the deployment (`autoScaling.previous`), so a failed deployment leaves autoscaling as it found it.
 * A deleted endpoint took its registration with it (DeleteEndpoint deregisters its variants). An endpoint that
 * something else changed since (StartRollback gave a `reason` for leaving it alone) is not this run's any more: its
 * registration is left as it is too.
 */
export async function restoreAutoScaling<S extends RestoreAutoScalingState>(state: S, deps: RestoreAutoScalingDeps) {
  const recorded = state.autoScaling;
  if (recorded === undefined || state.rollback.action === 'delete' || state.rollback.reason !== undefined) return state;
  await reconcileScaling(deps.autoScaling, state.request.endpointName, recorded.previous);
  const autoScaling: AutoScalingRecord = { ...(recorded as AutoScalingRecord), restored: true };
  return { ...state, autoScaling };
}
