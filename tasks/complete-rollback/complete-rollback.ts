import type { CreatedResource, ExecutionFacts } from '../../contracts/contract-parts.ts';
import { EndpointBusyError, RollbackFailedError } from '../../contracts/errors.ts';
import type { RollbackRecord } from '../../contracts/parts/endpoint.ts';
import {
  EndpointStillInProgressError,
  identityOf,
  type LeftoverSageMaker,
  removeExecutionLeftovers,
} from '../_shared/execution-leftovers.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { CREATED_RESOURCE } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document CompleteRollback reads: what StartRollback did, and what this run created. */
export interface CompleteRollbackState {
  request: { endpointName: string };
  execution: ExecutionFacts;
  rollback: RollbackRecord;
  model?: CreatedResource | undefined;
  endpointConfig?: CreatedResource | undefined;
}
export const CompleteRollbackState = stateSlice<CompleteRollbackState>({
  request: { endpointName: 'string' },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
  rollback: {
    action: 'string',
    configName: optional('string'),
    reason: optional('string'),
    completed: optional('boolean'),
    deleted: optional('array'),
  },
  model: optional(CREATED_RESOURCE),
  endpointConfig: optional(CREATED_RESOURCE),
});

/** What CompleteRollback needs from the outside. */
interface CompleteRollbackDeps {
  sagemaker: Pick<
    SageMakerGateway,
    'describeEndpoint' | 'describeEndpointConfig' | 'deleteEndpointConfig' | 'deleteModel'
  >;
  /** What the execution cleanup's rule looks through: every endpoint, config and model, and their tags. */
  leftovers: LeftoverSageMaker;
  now(): Date;
}

/**
 * Checks that the endpoint is back where it was (InService on the recorded config, or gone when it was new),
 * then deletes the model and endpoint config this run created, unless the endpoint still uses them: the config it
 * serves or is moving to, and the models of those configs (an endpoint changed by something else may use this
 * run's model). Then, by the execution cleanup's rule (tasks/_shared/execution-leftovers.ts), it deletes every other
 * config and model that carries this execution's tag, was created after it started and no endpoint uses: what a step
 * created before its result was lost, so the state never recorded it (a step that failed past its retries after its
 * call went through). Endpoints are StartRollback's. An endpoint in progress to or from such a config is busy
 * (EndpointBusyError, retried until it settles).
 */
export async function completeRollback<S extends CompleteRollbackState>(state: S, deps: CompleteRollbackDeps) {
  const rollback = state.rollback;
  const name = state.request.endpointName;
  const endpoint = await deps.sagemaker.describeEndpoint(name);

  if (rollback.action === 'restore') {
    if (endpoint?.status !== 'InService' || endpoint.configName !== rollback.configName) {
      const found = endpoint ? `${endpoint.status} on ${endpoint.configName ?? 'no config'}` : 'deleted';
      const reason = endpoint?.failureReason ? ` (${endpoint.failureReason})` : '';
      throw new RollbackFailedError(
        `Endpoint ${name} should be InService on ${rollback.configName} again, but it is ${found}${reason}`,
      );
    }
  }
  if (rollback.action === 'delete' && endpoint !== undefined) {
    throw new RollbackFailedError(`Endpoint ${name} should have been deleted, but it is ${endpoint.status}`);
  }

  const deleted: string[] = [];
  if (rollback.action !== 'retain') {
    const inUse = new Set([endpoint?.configName, endpoint?.pendingConfigName]);
    const { endpointConfig: config, model } = state;
    const configKept = config !== undefined && (!config.created || inUse.has(config.name));
    if (config?.created && !configKept) {
      await deps.sagemaker.deleteEndpointConfig(config.name);
      deleted.push(`endpoint-config/${config.name}`);
    }
    if (model?.created && !configKept && !(await modelServed(model.name, inUse, deps.sagemaker))) {
      await deps.sagemaker.deleteModel(model.name);
      deleted.push(`model/${model.name}`);
    }
    for (const leftover of await unrecordedLeftovers(state.execution, deps)) {
      if (!deleted.includes(leftover)) deleted.push(leftover);
    }
  }
  return { ...state, rollback: { ...rollback, completed: true, deleted } };
}

/** Whether one of the endpoint's configs (`configs`) runs the model `modelName`. */
async function modelServed(
  modelName: string,
  configs: ReadonlySet<string | undefined>,
  sagemaker: Pick<SageMakerGateway, 'describeEndpointConfig'>,
): Promise<boolean> {
  for (const configName of configs) {
    if (configName === undefined) continue;
    const config = await sagemaker.describeEndpointConfig(configName);
    if (config?.ProductionVariants.some((variant) => variant.ModelName === modelName)) return true;
  }
  return false;
}

/** Deletes what this execution made that the state does not record and nothing uses; returns them as `type/name`. */
async function unrecordedLeftovers(execution: ExecutionFacts, deps: CompleteRollbackDeps): Promise<string[]> {
  const now = deps.now().getTime();
  try {
    const removal = await removeExecutionLeftovers(
      identityOf(execution),
      // No waiting here: the state machine retries a busy endpoint.
      { sagemaker: deps.leftovers, now: () => now, sleep: async () => {}, deadline: now, keepEndpoints: true },
    );
    return [
      ...removal.deleted.endpointConfigs.map((name) => `endpoint-config/${name}`),
      ...removal.deleted.models.map((name) => `model/${name}`),
    ];
  } catch (error) {
    if (error instanceof EndpointStillInProgressError) throw new EndpointBusyError(error.message);
    throw error;
  }
}
