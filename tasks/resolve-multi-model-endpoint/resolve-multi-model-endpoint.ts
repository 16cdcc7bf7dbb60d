import { EndpointBusyError, EndpointFailedError, InvalidInputError } from '../../contracts/errors.ts';
import type { MultiModelEndpointFacts } from '../../contracts/parts/multi-model.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { stateSlice } from '../_shared/state-slice.ts';
import { TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document ResolveMultiModelEndpoint reads: the endpoint's name. */
export interface ResolveMultiModelEndpointState {
  request: { endpointName: string };
}
export const ResolveMultiModelEndpointState = stateSlice<ResolveMultiModelEndpointState>({
  request: { endpointName: 'string' },
});

/** What ResolveMultiModelEndpoint needs from the outside. */
interface ResolveMultiModelEndpointDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint' | 'describeEndpointConfig' | 'describeModel'>;
}

/**
 * Finds what a multi-model endpoint serves: its config, its model, and the S3 prefix its models live under.
 * An endpoint that does not exist, or whose model is not a multi-model container, is the input's mistake
 * (InvalidInputError naming `endpointName`); one that is busy is retried; one that failed cannot take models.
 */
export async function resolveMultiModelEndpoint<S extends ResolveMultiModelEndpointState>(
  state: S,
  deps: ResolveMultiModelEndpointDeps,
): Promise<S & { multiModel: MultiModelEndpointFacts }> {
  const name = state.request.endpointName;
  const endpoint = await deps.sagemaker.describeEndpoint(name);
  if (endpoint === undefined) throw new InvalidInputError(`endpointName: no endpoint named ${name}`);
  if (TRANSITIONAL_STATUSES.has(endpoint.status)) {
    throw new EndpointBusyError(`Endpoint ${name} is ${endpoint.status}; models are added once it is InService`);
  }
  if (endpoint.status !== 'InService' || endpoint.configName === undefined) {
    throw new EndpointFailedError(`Endpoint ${name} is ${endpoint.status}; it serves no models`);
  }
  const config = await deps.sagemaker.describeEndpointConfig(endpoint.configName);
  const modelName = config?.ProductionVariants[0]?.ModelName;
  const model = modelName !== undefined ? await deps.sagemaker.describeModel(modelName) : undefined;
  const container = model?.PrimaryContainer;
  if (modelName === undefined || container?.Mode !== 'MultiModel' || container.ModelDataUrl === undefined) {
    throw new InvalidInputError(
      `endpointName: endpoint ${name} is not a multi-model endpoint (its model ${modelName ?? 'is unknown'} ` +
        'does not serve a MultiModel container)',
    );
  }
  const prefix = container.ModelDataUrl.endsWith('/') ? container.ModelDataUrl : `${container.ModelDataUrl}/`;
  return {
    ...state,
    multiModel: {
      prefix,
      modelName,
      endpointConfigName: endpoint.configName,
      cacheSetting: container.MultiModelConfig?.ModelCacheSetting ?? 'Enabled',
    },
  };
}
