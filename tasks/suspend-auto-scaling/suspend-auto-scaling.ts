import type { RecordedScalingTarget } from '../../contracts/parts/auto-scaling.ts';
import { type AutoScalingGateway, sizedVariants, variantsBlockingUpdate } from '../_shared/auto-scaling.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document SuspendAutoScaling reads: the variants asked for and the recorded registration. */
export interface SuspendAutoScalingState {
  request: { endpointName: string; variants: readonly { name: string; instanceType?: string | undefined }[] };
  autoScaling: { previous: readonly RecordedScalingTarget[] };
}
export const SuspendAutoScalingState = stateSlice<SuspendAutoScalingState>({
  request: { endpointName: 'string', variants: 'array' },
  autoScaling: { previous: 'array' },
});

/** What SuspendAutoScaling needs from the outside. */
interface SuspendAutoScalingDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint' | 'describeEndpointConfig'>;
  autoScaling: Pick<AutoScalingGateway, 'deregister'>;
}

/**
 * Before the endpoint is updated, deregisters the scalable targets SageMaker would refuse the update for: variants
 * the new config removes or gives another instance type (DG endpoint-scaling-update; a new model alone is allowed).
 * They are registered again once the deployment is verified, or restored by a rollback. Deregistering an already
 * deregistered variant is a no-op, so a retry ends the same.
 */
export async function suspendAutoScaling<S extends SuspendAutoScalingState>(state: S, deps: SuspendAutoScalingDeps) {
  const { endpointName, variants } = state.request;
  const registered = state.autoScaling.previous.map((t) => t.variantName);
  const endpoint = registered.length > 0 ? await deps.sagemaker.describeEndpoint(endpointName) : undefined;
  const config = endpoint?.configName ? await deps.sagemaker.describeEndpointConfig(endpoint.configName) : undefined;
  const suspended = variantsBlockingUpdate(registered, sizedVariants(config), variants);
  for (const variantName of suspended) await deps.autoScaling.deregister(endpointName, variantName);
  return { ...state, autoScaling: { ...state.autoScaling, suspended } };
}
