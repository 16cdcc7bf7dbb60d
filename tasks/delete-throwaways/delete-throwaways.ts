/**
 * DeleteThrowaways: deletes the throwaway endpoints, endpoint configs and models RightSizeEndpoint made for the
 * candidates it is given: after each candidate's test (one candidate), and when the whole execution fails (all of
 * them). Only what carries this execution's tags is deleted: the execution tag holding its ARN and the throwaway
 * tag, and the endpoint tag naming the candidate, so a resource of the same name made by anyone else stays. An
 * endpoint still Creating or Updating cannot be deleted (SageMaker refuses): EndpointBusyError, which the state
 * machine retries, is raised before anything is deleted. Deleting what is already gone is not an error.
 */
import { EndpointBusyError } from '../../contracts/errors.ts';
import type { SageMakerGateway, Tags } from '../_shared/sagemaker.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { TagKeys } from '../_shared/tags.ts';

/** The slice of the state document DeleteThrowaways reads (the task's payload builds it): one candidate, or all. */
export interface DeleteThrowawaysState {
  throwaways: { candidate?: { endpointName: string } | undefined; candidates?: { endpointName: string }[] | undefined };
  execution: { id: string };
}
export const DeleteThrowawaysState = stateSlice<DeleteThrowawaysState>({
  throwaways: { candidate: optional({ endpointName: 'string' }), candidates: optional('array') },
  execution: { id: 'string' },
});

/** What was deleted, by kind. */
interface DeletedThrowaways {
  endpoints: string[];
  endpointConfigs: string[];
  models: string[];
}

/** SageMaker statuses in which DeleteEndpoint is refused. */
const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

/** True when `tags` mark a throwaway of `endpointName` made by the execution `executionArn`. */
export function isThrowawayOf(tags: Readonly<Tags>, endpointName: string, executionArn: string): boolean {
  return (
    tags[TagKeys.throwaway] !== undefined &&
    tags[TagKeys.execution] === executionArn &&
    tags[TagKeys.endpoint] === endpointName
  );
}

/** The DeleteThrowaways step: what it deleted. */
export async function deleteThrowaways(
  state: DeleteThrowawaysState,
  deps: {
    sagemaker: Pick<
      SageMakerGateway,
      | 'describeEndpoint'
      | 'deleteEndpoint'
      | 'deleteEndpointConfig'
      | 'deleteModel'
      | 'listEndpointConfigs'
      | 'listModels'
      | 'listTags'
    >;
  },
): Promise<DeletedThrowaways> {
  const { sagemaker } = deps;
  const executionArn = state.execution.id;
  const { candidate, candidates = [] } = state.throwaways;
  const names = [...(candidate !== undefined ? [candidate] : []), ...candidates].map((c) => c.endpointName);
  const deleted: DeletedThrowaways = { endpoints: [], endpointConfigs: [], models: [] };
  const endpoints = [];
  for (const name of names) {
    const endpoint = await sagemaker.describeEndpoint(name);
    if (endpoint === undefined) continue;
    if (!isThrowawayOf(await sagemaker.listTags(endpoint.arn), name, executionArn)) continue;
    if (IN_PROGRESS.has(endpoint.status)) {
      throw new EndpointBusyError(`Endpoint ${name} is ${endpoint.status}; it is deleted once it settles`);
    }
    endpoints.push(endpoint);
  }
  for (const endpoint of endpoints) {
    if (endpoint.status !== 'Deleting' && (await sagemaker.deleteEndpoint(endpoint.name))) {
      deleted.endpoints.push(endpoint.name);
    }
  }
  for (const name of names) {
    for (const config of await sagemaker.listEndpointConfigs(name)) {
      if (!isThrowawayOf(await sagemaker.listTags(config.arn), name, executionArn)) continue;
      if (await sagemaker.deleteEndpointConfig(config.name)) deleted.endpointConfigs.push(config.name);
    }
    for (const model of await sagemaker.listModels(name)) {
      if (!isThrowawayOf(await sagemaker.listTags(model.arn), name, executionArn)) continue;
      if (await sagemaker.deleteModel(model.name)) deleted.models.push(model.name);
    }
  }
  return deleted;
}
