import type { CaughtError, CreatedResource, ExecutionFacts } from '../../contracts/contract-parts.ts';
import { type EndpointLease, leaseEventDetail } from '../../contracts/endpoint-lease.ts';
import type { AutoScalingRecord, ComponentAutoScalingRecord } from '../../contracts/parts/auto-scaling.ts';
import type { EndpointChange, HealthCheckReport, RollbackRecord } from '../../contracts/parts/endpoint.ts';
import { describeCaughtError } from '../_shared/caught-error.ts';
import type { LifecycleEvent } from '../_shared/events.ts';
import { CAUGHT_ERROR } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The lifecycle events of a deployment. */
export const DeploymentEventTypes = {
  succeeded: 'Deployment Succeeded',
  rolledBack: 'Deployment Rolled Back',
  failed: 'Deployment Failed',
  rollbackFailed: 'Deployment Rollback Failed',
} as const;

/** The slice of the state document PublishDeploymentEvent reads: whatever the run recorded, for the event's detail. */
export interface PublishDeploymentEventState {
  /** `component`: DeployInferenceComponent's component, by name. */
  request: { endpointName: string; modelVersion?: string | undefined; component?: { name: string } | undefined };
  execution: ExecutionFacts;
  model?: CreatedResource | undefined;
  endpointConfig?: CreatedResource | undefined;
  endpoint?: EndpointChange | undefined;
  healthCheck?: HealthCheckReport | undefined;
  error?: CaughtError | undefined;
  rollback?: RollbackRecord | undefined;
  rollbackError?: CaughtError | undefined;
  /** DeployEndpoint's autoscaling record (registration before, suspended, applied, restored). */
  autoScaling?: AutoScalingRecord | undefined;
  /** DeployInferenceComponent's change to the component (created, updated from `previous`, reused). */
  component?: { action: string } | undefined;
  /** DeployInferenceComponent's record of the component's autoscaling. */
  componentAutoScaling?: ComponentAutoScalingRecord | undefined;
  /** The endpoint's lease: who held it when the run gave up, or whom it was taken over from. */
  lease?: EndpointLease | undefined;
  /** DeployMultiModelEndpoint's rollback: the model artifacts it deleted (RemovePlacedArtifacts), as s3:// URIs. */
  artifactRemoval?: { deleted: string[] } | undefined;
}
export const PublishDeploymentEventState = stateSlice<PublishDeploymentEventState>({
  request: { endpointName: 'string', modelVersion: optional('string'), component: optional({ name: 'string' }) },
  execution: 'object',
  model: optional('object'),
  endpointConfig: optional('object'),
  endpoint: optional('object'),
  healthCheck: optional('object'),
  error: optional(CAUGHT_ERROR),
  rollback: optional('object'),
  rollbackError: optional(CAUGHT_ERROR),
  autoScaling: optional('object'),
  component: optional({ action: 'string' }),
  componentAutoScaling: optional('object'),
  lease: optional('object'),
  artifactRemoval: optional({ deleted: 'array' }),
});

/** What PublishDeploymentEvent needs from the outside. */
interface PublishDeploymentEventDeps {
  /** Puts the event on the project's bus and returns its id. */
  publish(event: LifecycleEvent): Promise<string>;
}

/** Which event the state calls for: success, rolled back, failed without rollback, or rollback failed. */
function deploymentEventType(state: PublishDeploymentEventState): string {
  if (state.rollbackError !== undefined) return DeploymentEventTypes.rollbackFailed;
  if (state.error === undefined) return DeploymentEventTypes.succeeded;
  const action = state.rollback?.action;
  return action === 'restore' || action === 'delete' ? DeploymentEventTypes.rolledBack : DeploymentEventTypes.failed;
}

/** The event describing the deployment's outcome. */
export function deploymentEvent(state: PublishDeploymentEventState): LifecycleEvent {
  const detailType = deploymentEventType(state);
  const detail: Record<string, unknown> = {
    endpointName: state.request.endpointName,
    execution: state.execution.id,
    modelVersion: state.request.modelVersion ?? state.model?.name,
    modelName: state.model?.name,
    endpointConfigName: state.endpointConfig?.name,
    previousEndpointConfigName: state.endpoint?.previousConfigName,
    action: state.endpoint?.action,
    healthCheck: state.healthCheck,
  };
  if (state.error !== undefined) detail.error = describeCaughtError(state.error);
  if (state.rollback !== undefined) detail.rollback = state.rollback;
  if (state.rollbackError !== undefined) detail.rollbackError = describeCaughtError(state.rollbackError);
  if (state.autoScaling !== undefined) detail.autoScaling = state.autoScaling;
  if (state.request.component !== undefined) {
    detail.inferenceComponentName = state.request.component.name;
    detail.componentAction = state.component?.action;
  }
  if (state.componentAutoScaling !== undefined) detail.componentAutoScaling = state.componentAutoScaling;
  if (state.artifactRemoval !== undefined) detail.removedArtifacts = state.artifactRemoval.deleted;
  const lease = leaseEventDetail(state.lease);
  if (lease !== undefined) detail.lease = lease;
  const resources = state.endpoint?.arn ? [state.endpoint.arn] : [];
  return { detailType, detail: JSON.parse(JSON.stringify(detail)) as Record<string, unknown>, resources };
}

/** Publishes the deployment's outcome to the project's event bus. */
export async function publishDeploymentEvent<S extends PublishDeploymentEventState>(
  state: S,
  deps: PublishDeploymentEventDeps,
) {
  const event = deploymentEvent(state);
  const eventId = await deps.publish(event);
  return { ...state, event: { detailType: event.detailType, eventId } };
}
