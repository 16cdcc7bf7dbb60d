import type { CreatedResource } from '../../contracts/contract-parts.ts';
import { RollbackFailedError } from '../../contracts/errors.ts';
import type { RollbackRecord } from '../../contracts/parts/endpoint.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { CREATED_RESOURCE } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document CompleteRollback reads: what StartRollback did, and what this run created. */
export interface CompleteRollbackState {
  request: { endpointName: string };
  rollback: RollbackRecord;
  model?: CreatedResource | undefined;
  endpointConfig?: CreatedResource | undefined;
}
export const CompleteRollbackState = stateSlice<CompleteRollbackState>({
  request: { endpointName: 'string' },
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
}

/**
 * Checks that the endpoint is back where it was (InService on the recorded config, or gone when it was new),
 * then deletes the model and endpoint config this run created, unless the endpoint still uses them: the config it
 * serves or is moving to, and the models of those configs (an endpoint changed by something else may use this
 * run's model).
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
