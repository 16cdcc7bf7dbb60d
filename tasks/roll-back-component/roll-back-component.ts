import type { ExecutionFacts, WaitProgress } from '../../contracts/contract-parts.ts';
import { EndpointBusyError } from '../../contracts/errors.ts';
import type { WaitPolicy } from '../../contracts/parts/endpoint.ts';
import type { ComponentRollingUpdate } from '../../contracts/parts/inference-component.ts';
import { identityOf, madeByExecution } from '../_shared/execution-leftovers.ts';
import {
  COMPONENT_TRANSITIONAL_STATUSES,
  type ComponentChange,
  deploymentConfigOf,
  type InferenceComponentGateway,
  sameSpecification,
} from '../_shared/inference-components.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { startWaiting } from '../_shared/wait-progress.ts';

/** The slice of the state document RollBackComponent reads. */
export interface RollBackComponentState {
  request: { component: { name: string }; rollingUpdate: ComponentRollingUpdate; wait: WaitPolicy };
  execution: ExecutionFacts;
  /** Absent when StartComponentDeployment failed before it changed anything, or before its result arrived. */
  component?: ComponentChange | undefined;
}
export const RollBackComponentState = stateSlice<RollBackComponentState>({
  request: { component: { name: 'string' }, rollingUpdate: 'object', wait: 'object' },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
  component: optional('object'),
});

/** What a rollback did: deleted the component this run created, restored the previous one, or nothing. */
type ComponentRollbackAction = 'delete' | 'restore' | 'none';

/** What RollBackComponent needs from the outside. */
interface RollBackComponentDeps {
  components: Pick<InferenceComponentGateway, 'describeComponent' | 'updateComponent' | 'deleteComponent'>;
  sagemaker: Pick<SageMakerGateway, 'listTags'>;
  now(): Date;
}

/**
 * Undoes this run's change to the component: a component it created is deleted; one it updated gets its previous
 * specification and copy count back (nothing to do when SageMaker rolled it back already); one it reused is left
 * as it was. A component still changing is busy (EndpointBusyError, retried). When the state records no change,
 * StartComponentDeployment may have created the component and then failed past its retries (its result lost): a
 * component of the request's name that carries this execution's tag and was created after it started (the execution
 * cleanup's rule, tasks/_shared/execution-leftovers.ts) is this run's and is deleted; anything else is left.
 */
export async function rollBackComponent<S extends RollBackComponentState>(state: S, deps: RollBackComponentDeps) {
  const name = state.request.component.name;
  const wait: WaitProgress = startWaiting(state.request.wait, deps.now());
  const described = await deps.components.describeComponent(name);
  const change: ComponentChange | undefined =
    state.component ??
    (described?.createdAt !== undefined &&
    (await madeByExecution(
      { name, arn: described.arn, createdAt: described.createdAt },
      identityOf(state.execution),
      deps.sagemaker,
    ))
      ? { action: 'created' }
      : undefined);
  if (change === undefined) return { ...state, rollback: { action: 'none' as ComponentRollbackAction }, wait };
  if (described !== undefined && COMPONENT_TRANSITIONAL_STATUSES.has(described.status)) {
    throw new EndpointBusyError(`Inference component ${name} is ${described.status}; waiting to roll it back`);
  }
  let action: ComponentRollbackAction = 'none';
  if (change.action === 'created' && described !== undefined) {
    await deps.components.deleteComponent(name);
    action = 'delete';
  } else if (change.action === 'updated' && described !== undefined) {
    const { specification, copyCount } = change.previous;
    const sameSpec = sameSpecification(described.specification, specification);
    if (sameSpec && described.desiredCopyCount !== copyCount) {
      await deps.components.updateComponent(name, undefined, copyCount, undefined);
      action = 'restore';
    } else if (!sameSpec) {
      // Back in batches of the rollback size (else the update's): the endpoint needs room for one batch only.
      const { rollbackMaximumBatchSize, maximumBatchSize, maximumExecutionTimeoutSeconds } =
        state.request.rollingUpdate;
      const batch = rollbackMaximumBatchSize ?? maximumBatchSize;
      await deps.components.updateComponent(
        name,
        specification,
        copyCount,
        deploymentConfigOf({
          maximumBatchSize: batch,
          waitIntervalSeconds: 0,
          rollbackMaximumBatchSize: batch,
          ...(maximumExecutionTimeoutSeconds !== undefined ? { maximumExecutionTimeoutSeconds } : {}),
        }),
      );
      action = 'restore';
    }
  }
  return { ...state, component: change, rollback: { action }, wait };
}
