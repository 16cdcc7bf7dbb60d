import type { CreatedResource, ExecutionFacts, TagMap } from '../../contracts/contract-parts.ts';
import type { EndpointChange } from '../../contracts/parts/endpoint.ts';
import { isResourceNameOf, resourceNamePrefix } from '../_shared/names.ts';
import type { ListedResource, SageMakerGateway, Tags } from '../_shared/sagemaker.ts';
import { CREATED_RESOURCE, ENDPOINT_CHANGE } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { ownershipTags, TagKeys } from '../_shared/tags.ts';

/** The slice of the state document FinalizeDeployment reads: the verified change, and how many versions to keep. */
export interface FinalizeDeploymentState {
  request: { endpointName: string; modelVersion?: string | undefined; retainVersions: number; tags: TagMap };
  execution: ExecutionFacts;
  model: CreatedResource;
  endpointConfig: CreatedResource;
  endpoint: EndpointChange;
}
export const FinalizeDeploymentState = stateSlice<FinalizeDeploymentState>({
  request: { endpointName: 'string', modelVersion: optional('string'), retainVersions: 'number', tags: 'object' },
  execution: 'object',
  model: CREATED_RESOURCE,
  endpointConfig: CREATED_RESOURCE,
  endpoint: ENDPOINT_CHANGE,
});

/** What FinalizeDeployment needs from the outside. */
interface FinalizeDeploymentDeps {
  sagemaker: Pick<
    SageMakerGateway,
    | 'addTags'
    | 'describeEndpoint'
    | 'listEndpointConfigs'
    | 'describeEndpointConfig'
    | 'deleteEndpointConfig'
    | 'listModels'
    | 'deleteModel'
    | 'listTags'
  >;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The tags the serving endpoint carries after a successful deployment: ownership (a throwaway's too), version, config. */
function endpointTags(state: FinalizeDeploymentState): Tags {
  return {
    ...ownershipTags(state),
    [TagKeys.modelVersion]: state.request.modelVersion ?? state.model.name,
    [TagKeys.endpointConfig]: state.endpointConfig.name,
  };
}

/**
 * Tags the endpoint, then keeps the newest `retainVersions` endpoint configs of this endpoint (and the models
 * they use) and deletes older ones that this project created for it. Never deletes the config the endpoint
 * serves or a model a remaining config uses. A failed deletion is reported as a warning, not a failure:
 * the deployment itself is done and verified.
 */
export async function finalizeDeployment<S extends FinalizeDeploymentState>(state: S, deps: FinalizeDeploymentDeps) {
  const { sagemaker } = deps;
  const name = state.request.endpointName;
  const tags = endpointTags(state);
  await sagemaker.addTags(state.endpoint.arn, tags);

  const deleted: string[] = [];
  const warnings: string[] = [];
  const owned = async (resource: ListedResource) =>
    (await sagemaker.listTags(resource.arn))[TagKeys.endpoint] === state.request.endpointName;

  const serving = await sagemaker.describeEndpoint(name);
  const inUse = new Set([state.endpointConfig.name, serving?.configName, serving?.pendingConfigName]);
  // Long endpoint names are shortened in resource names, so list by the shortened part.
  const configs = (await sagemaker.listEndpointConfigs(resourceNamePrefix(name)))
    .filter((c) => isResourceNameOf(name, c.name))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const kept = configs.filter((c, i) => i < state.request.retainVersions || inUse.has(c.name));
  const keptNames = new Set(kept.map((c) => c.name));

  const modelsInUse = new Set([state.model.name]);
  let modelsInUseKnown = true;
  for (const config of configs) {
    let remove = !keptNames.has(config.name);
    try {
      if (remove && !(await owned(config))) remove = false;
      if (remove && (await sagemaker.deleteEndpointConfig(config.name))) {
        deleted.push(`endpoint-config/${config.name}`);
        continue;
      }
    } catch (error) {
      warnings.push(`could not delete endpoint config ${config.name}: ${messageOf(error)}`);
    }
    try {
      const description = await sagemaker.describeEndpointConfig(config.name);
      for (const variant of description?.ProductionVariants ?? []) {
        if (variant.ModelName) modelsInUse.add(variant.ModelName);
      }
    } catch (error) {
      // Cleanup must not fail a verified deployment; without knowing the models in use, delete none.
      modelsInUseKnown = false;
      warnings.push(`could not read endpoint config ${config.name}, so no models were deleted: ${messageOf(error)}`);
    }
  }

  const models = modelsInUseKnown
    ? (await sagemaker.listModels(resourceNamePrefix(name))).filter((m) => isResourceNameOf(name, m.name))
    : [];
  for (const model of models) {
    if (modelsInUse.has(model.name)) continue;
    try {
      if ((await owned(model)) && (await sagemaker.deleteModel(model.name))) deleted.push(`model/${model.name}`);
    } catch (error) {
      warnings.push(`could not delete model ${model.name}: ${messageOf(error)}`);
    }
  }
  return { ...state, finalized: { tags, deleted, warnings } };
}
