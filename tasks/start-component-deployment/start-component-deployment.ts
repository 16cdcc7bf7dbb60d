import type { ExecutionFacts, WaitProgress } from '../../contracts/contract-parts.ts';
import { EndpointBusyError, ResourceConflictError } from '../../contracts/errors.ts';
import type { WaitPolicy } from '../../contracts/parts/endpoint.ts';
import type { ComponentRollingUpdate, ComponentSpec } from '../../contracts/parts/inference-component.ts';
import { isAlreadyExisting } from '../_shared/create-or-reuse.ts';
import {
  COMPONENT_TRANSITIONAL_STATUSES,
  type ComponentChange,
  deploymentConfigOf,
  type InferenceComponentGateway,
  sameSpecification,
  specificationOf,
} from '../_shared/inference-components.ts';
import type { Tags } from '../_shared/sagemaker.ts';
import { stateSlice } from '../_shared/state-slice.ts';
import { ownershipTags } from '../_shared/tags.ts';
import { startWaiting } from '../_shared/wait-progress.ts';

/** The slice of the state document StartComponentDeployment reads. */
export interface StartComponentDeploymentState {
  request: {
    endpointName: string;
    component: ComponentSpec;
    rollingUpdate: ComponentRollingUpdate;
    wait: WaitPolicy;
    tags: Tags;
  };
  execution: ExecutionFacts;
}
export const StartComponentDeploymentState = stateSlice<StartComponentDeploymentState>({
  request: {
    endpointName: 'string',
    component: 'object',
    rollingUpdate: 'object',
    wait: 'object',
    tags: 'object',
  },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
});

/** What StartComponentDeployment needs from the outside. */
interface StartComponentDeploymentDeps {
  components: InferenceComponentGateway;
  now(): Date;
}

/**
 * Creates the component, or updates it with the rolling policy (recording what it ran before), or reuses it
 * when it runs this specification with this copy count already. A component that is changing is busy
 * (EndpointBusyError, retried); one on another endpoint, or Failed, is a conflict.
 */
export async function startComponentDeployment<S extends StartComponentDeploymentState>(
  state: S,
  deps: StartComponentDeploymentDeps,
) {
  const { endpointName, component } = state.request;
  const specification = specificationOf(component);
  const existing = await deps.components.describeComponent(component.name);
  const wait: WaitProgress = startWaiting(state.request.wait, deps.now());
  if (existing === undefined) {
    try {
      await deps.components.createComponent(
        component.name,
        endpointName,
        specification,
        component.copyCount,
        ownershipTags(state),
      );
    } catch (error) {
      // The create went through but its answer was lost (a reset connection), and the SDK's retry of it found the
      // component: created, when it is this one on this endpoint.
      if (!isAlreadyExisting(error)) throw error;
      const found = await deps.components.describeComponent(component.name);
      const same =
        found !== undefined &&
        found.endpointName.toLowerCase() === endpointName.toLowerCase() &&
        sameSpecification(found.specification, specification) &&
        found.desiredCopyCount === component.copyCount;
      if (!same) throw error;
    }
    const change: ComponentChange = { action: 'created' };
    return { ...state, component: change, wait };
  }
  if (existing.endpointName.toLowerCase() !== endpointName.toLowerCase()) {
    throw new ResourceConflictError(
      `Inference component ${component.name} exists on endpoint ${existing.endpointName}, not ${endpointName}; component names are unique in an account and region`,
    );
  }
  if (COMPONENT_TRANSITIONAL_STATUSES.has(existing.status)) {
    throw new EndpointBusyError(
      `Inference component ${component.name} is ${existing.status}; waiting for it to settle`,
    );
  }
  if (existing.status !== 'InService') {
    throw new ResourceConflictError(
      `Inference component ${component.name} is ${existing.status}${existing.failureReason ? ` (${existing.failureReason})` : ''}; delete it (RemoveInferenceComponent) before deploying it again`,
    );
  }
  if (sameSpecification(existing.specification, specification) && existing.desiredCopyCount === component.copyCount) {
    const change: ComponentChange = { action: 'reused' };
    return { ...state, component: change, wait };
  }
  // The same specification with another copy count scales; a new specification rolls out in batches.
  const newSpecification = !sameSpecification(existing.specification, specification);
  await deps.components.updateComponent(
    component.name,
    newSpecification ? specification : undefined,
    component.copyCount,
    newSpecification ? deploymentConfigOf(state.request.rollingUpdate) : undefined,
  );
  const change: ComponentChange = {
    action: 'updated',
    previous: { specification: existing.specification, copyCount: existing.desiredCopyCount },
  };
  return { ...state, component: change, wait };
}
