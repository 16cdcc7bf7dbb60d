import type { WaitProgress } from '../../contracts/contract-parts.ts';
import { EndpointBusyError, ResourceConflictError } from '../../contracts/errors.ts';
import type { WaitPolicy } from '../../contracts/parts/endpoint.ts';
import type { ComponentScalingGateway } from '../_shared/auto-scaling.ts';
import { COMPONENT_TRANSITIONAL_STATUSES, type InferenceComponentGateway } from '../_shared/inference-components.ts';
import { stateSlice } from '../_shared/state-slice.ts';
import { startWaiting } from '../_shared/wait-progress.ts';

/** The slice of the state document StartComponentRemoval reads. */
export interface StartComponentRemovalState {
  request: { endpointName: string; component: { name: string }; wait: WaitPolicy };
}
export const StartComponentRemovalState = stateSlice<StartComponentRemovalState>({
  request: { endpointName: 'string', component: { name: 'string' }, wait: 'object' },
});

/** What StartComponentRemoval needs from the outside. */
interface StartComponentRemovalDeps {
  components: Pick<InferenceComponentGateway, 'describeComponent' | 'deleteComponent'>;
  scaling: Pick<ComponentScalingGateway, 'deregister'>;
  now(): Date;
}

/**
 * Deletes the component when it exists on the endpoint (one on another endpoint is a conflict, one that is changing
 * is busy and retried), deregistering its copy-count autoscaling first; `removal.existed` says whether there was one
 * to delete (`removal.autoScalingDeregistered` whether it was registered), and the wait loop starts.
 */
export async function startComponentRemoval<S extends StartComponentRemovalState>(
  state: S,
  deps: StartComponentRemovalDeps,
) {
  const { endpointName, component } = state.request;
  const described = await deps.components.describeComponent(component.name);
  const wait: WaitProgress = startWaiting(state.request.wait, deps.now());
  if (described === undefined) return { ...state, removal: { existed: false }, wait };
  if (described.endpointName.toLowerCase() !== endpointName.toLowerCase()) {
    throw new ResourceConflictError(
      `Inference component ${component.name} is on endpoint ${described.endpointName}, not ${endpointName}; nothing was deleted`,
    );
  }
  if (COMPONENT_TRANSITIONAL_STATUSES.has(described.status) && described.status !== 'Deleting') {
    throw new EndpointBusyError(`Inference component ${component.name} is ${described.status}; waiting to delete it`);
  }
  // Its copy-count autoscaling goes first (a target left behind would outlive the component and its name), as AWS's
  // clean-up advice for SageMaker scaling has it; a component without one is a no-op, so a retry ends the same.
  const deregistered = await deps.scaling.deregister(component.name);
  if (described.status !== 'Deleting') await deps.components.deleteComponent(component.name);
  return { ...state, removal: { existed: true, autoScalingDeregistered: deregistered }, wait };
}
