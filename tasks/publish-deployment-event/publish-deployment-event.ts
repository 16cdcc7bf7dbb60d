import * as z from 'zod/mini';
import { CaughtError, CreatedResource, ExecutionFacts, sageMakerName } from '../../workflows/contract-parts.ts';
import { EndpointChange, HealthCheckReport, ModelVersion, RollbackRecord } from '../../workflows/parts/endpoint.ts';
import { describeCaughtError } from '../_shared/caught-error.ts';
import type { LifecycleEvent } from '../_shared/events.ts';

/** The lifecycle events of a deployment. */
export const DeploymentEventTypes = {
  succeeded: 'Deployment Succeeded',
  rolledBack: 'Deployment Rolled Back',
  failed: 'Deployment Failed',
  rollbackFailed: 'Deployment Rollback Failed',
} as const;

/** The slice of the state document PublishDeploymentEvent reads: whatever the run recorded, for the event's detail. */
export const PublishDeploymentEventState = z.looseObject({
  request: z.looseObject({ endpointName: sageMakerName, modelVersion: z.optional(ModelVersion) }),
  execution: ExecutionFacts,
  model: z.optional(CreatedResource),
  endpointConfig: z.optional(CreatedResource),
  endpoint: z.optional(EndpointChange),
  healthCheck: z.optional(HealthCheckReport),
  error: z.optional(CaughtError),
  rollback: z.optional(RollbackRecord),
  rollbackError: z.optional(CaughtError),
});
export type PublishDeploymentEventState = z.output<typeof PublishDeploymentEventState>;

/** What PublishDeploymentEvent needs from the outside. */
export interface PublishDeploymentEventDeps {
  /** Puts the event on the project's bus and returns its id. */
  publish(event: LifecycleEvent): Promise<string>;
}

/** Which event the state calls for: success, rolled back, failed without rollback, or rollback failed. */
export function deploymentEventType(state: PublishDeploymentEventState): string {
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
