import type { WaitProgress } from '../../contracts/contract-parts.ts';
import {
  InferenceComponentCapacityError,
  InferenceComponentFailedError,
  RollbackFailedError,
} from '../../contracts/errors.ts';
import type { WaitPolicy } from '../../contracts/parts/endpoint.ts';
import {
  COMPONENT_DELETED_STATUS,
  COMPONENT_TRANSITIONAL_STATUSES,
  type InferenceComponentGateway,
} from '../_shared/inference-components.ts';
import { WAIT_PROGRESS } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { nextWait } from '../_shared/wait-progress.ts';

/** The slice of the state document GetComponentStatus reads. */
export interface GetComponentStatusState {
  request: { component: { name: string }; wait: WaitPolicy };
  /** What this run did to the component (StartComponentDeployment); absent when only waiting for it. */
  component?: { action: string } | undefined;
  /** Present while a rollback settles: a failure is then reported, not raised. */
  rollback?: { action: string } | undefined;
  /** Present while a removal settles (RemoveInferenceComponent): the status is only reported. */
  removal?: { existed: boolean } | undefined;
  wait?: WaitProgress | undefined;
}
export const GetComponentStatusState = stateSlice<GetComponentStatusState>({
  request: { component: { name: 'string' }, wait: 'object' },
  component: optional({ action: 'string' }),
  rollback: optional({ action: 'string' }),
  removal: optional({ existed: 'boolean' }),
  wait: optional(WAIT_PROGRESS),
});

/** What GetComponentStatus needs from the outside. */
interface GetComponentStatusDeps {
  components: Pick<InferenceComponentGateway, 'describeComponent'>;
  now(): Date;
}

/**
 * A FailureReason that names insufficient capacity (the SageMaker Python SDK's waiter tells a CapacityError by
 * the word "capacity" in it).
 */
function isCapacityFailure(reason: string | undefined): boolean {
  return reason !== undefined && /capacity/i.test(reason);
}

/**
 * One poll of a component's wait loop. SageMaker sends no events for inference components, so the loop polls
 * DescribeInferenceComponent. While deploying, a settled component that is Failed, or InService with a
 * FailureReason after this run's update (SageMaker rolled it back), raises InferenceComponentCapacityError when
 * the reason names capacity, else InferenceComponentFailedError. While rolling back, it only reports.
 */
export async function getComponentStatus<S extends GetComponentStatusState>(state: S, deps: GetComponentStatusDeps) {
  const name = state.request.component.name;
  const described = await deps.components.describeComponent(name);
  const status = described?.status ?? COMPONENT_DELETED_STATUS;
  const settled = !COMPONENT_TRANSITIONAL_STATUSES.has(status);
  const componentStatus = {
    status,
    settled,
    currentCopyCount: described?.currentCopyCount ?? 0,
    desiredCopyCount: described?.desiredCopyCount ?? 0,
    ...(described?.failureReason !== undefined ? { failureReason: described.failureReason } : {}),
  };
  if (settled && state.rollback === undefined && state.removal === undefined) {
    const rolledBack =
      status === 'InService' && described?.failureReason !== undefined && state.component?.action === 'updated';
    if (status !== 'InService' || rolledBack) {
      const what = rolledBack
        ? `SageMaker rolled the update of inference component ${name} back: ${described?.failureReason}`
        : `Inference component ${name} is ${status}${described?.failureReason ? `: ${described.failureReason}` : ''}`;
      throw isCapacityFailure(described?.failureReason)
        ? new InferenceComponentCapacityError(what)
        : new InferenceComponentFailedError(what);
    }
  }
  if (settled && state.rollback?.action === 'restore' && (status !== 'InService' || described?.failureReason)) {
    throw new RollbackFailedError(
      `Restoring the previous specification of inference component ${name} failed: it is ${status}${described?.failureReason ? ` (${described.failureReason})` : ''}`,
    );
  }
  if (settled || state.wait === undefined) return { ...state, componentStatus };
  const wait = nextWait(
    state.wait,
    state.request.wait,
    deps.now(),
    () => `Inference component ${name} is still ${status}`,
  );
  return { ...state, componentStatus, wait };
}
