import type { CaughtError, ExecutionFacts } from '../../contracts/contract-parts.ts';
import { type EndpointLease, leaseEventDetail } from '../../contracts/endpoint-lease.ts';
import { describeCaughtError } from '../_shared/caught-error.ts';
import type { LifecycleEvent } from '../_shared/events.ts';
import { CAUGHT_ERROR } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The events of an approval decision that changed nothing on the endpoint. */
const ModelPackageEventTypes = {
  /** The served package was rejected and the group has no Approved package left: the endpoint keeps serving it. */
  noApprovedPackage: 'Model Package Group Has No Approved Package',
  /**
   * An approval that was not deployed: older than what the endpoint serves, no longer Approved, or the endpoint's
   * lease was not obtained (`error`, `lease.heldBy`).
   */
  notDeployed: 'Model Package Not Deployed',
} as const;

/** The slice of the state document PublishModelPackageEvent reads: the endpoint, the package and the decision. */
export interface PublishModelPackageEventState {
  request: {
    event: { detail: { ModelPackageGroupName: string; ModelPackageArn: string; ModelApprovalStatus: string } };
    deployment: { endpointName: string };
  };
  execution: ExecutionFacts;
  resolution: { outcome: string; approvalStatus: string; servedPackageArn?: string | undefined };
  /** Why the run ended before deploying (it gave up waiting for the endpoint's lease). */
  error?: CaughtError | undefined;
  lease?: EndpointLease | undefined;
}
export const PublishModelPackageEventState = stateSlice<PublishModelPackageEventState>({
  request: {
    event: { detail: { ModelPackageGroupName: 'string', ModelPackageArn: 'string', ModelApprovalStatus: 'string' } },
    deployment: { endpointName: 'string' },
  },
  execution: 'object',
  resolution: { outcome: 'string', approvalStatus: 'string', servedPackageArn: optional('string') },
  error: optional(CAUGHT_ERROR),
  lease: optional('object'),
});

/** What PublishModelPackageEvent needs from the outside. */
interface PublishModelPackageEventDeps {
  /** Puts the event on the project's bus and returns its id. */
  publish(event: LifecycleEvent): Promise<string>;
}

/** The event saying why the decision left the endpoint as it was. */
export function modelPackageEvent(state: PublishModelPackageEventState): LifecycleEvent {
  const { detail } = state.request.event;
  const { resolution } = state;
  const detailType =
    resolution.outcome === 'no-approved-package'
      ? ModelPackageEventTypes.noApprovedPackage
      : ModelPackageEventTypes.notDeployed;
  return {
    detailType,
    detail: JSON.parse(
      JSON.stringify({
        endpointName: state.request.deployment.endpointName,
        execution: state.execution.id,
        modelPackageGroupName: detail.ModelPackageGroupName,
        modelPackageArn: detail.ModelPackageArn,
        eventApprovalStatus: detail.ModelApprovalStatus,
        currentApprovalStatus: resolution.approvalStatus,
        outcome: resolution.outcome,
        servedModelPackageArn: resolution.servedPackageArn,
        error: state.error !== undefined ? describeCaughtError(state.error) : undefined,
        lease: leaseEventDetail(state.lease),
      }),
    ) as Record<string, unknown>,
    resources: [detail.ModelPackageArn],
  };
}

/** Publishes why an approval decision changed nothing on the endpoint. */
export async function publishModelPackageEvent<S extends PublishModelPackageEventState>(
  state: S,
  deps: PublishModelPackageEventDeps,
) {
  const event = modelPackageEvent(state);
  const eventId = await deps.publish(event);
  return { ...state, event: { detailType: event.detailType, eventId } };
}
