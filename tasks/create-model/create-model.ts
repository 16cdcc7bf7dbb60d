import type { ExecutionFacts, TagMap } from '../../contracts/contract-parts.ts';
import { InvalidInputError } from '../../contracts/errors.ts';
import type { ContainerInput, InferenceExecutionMode } from '../../contracts/parts/containers.ts';
import type { ModelSource } from '../../contracts/parts/model.ts';
import type { MultiModelContainer } from '../../contracts/parts/multi-model.ts';
import type { PackagedModel } from '../../contracts/parts/packaging.ts';
import {
  containerSpec,
  type EnsureModelDeps,
  ensureModel,
  type ModelDefinition,
  modelSpecFor,
} from '../_shared/models.ts';
import type { ContainerSpec, ModelSpec } from '../_shared/sagemaker.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { ownershipTags } from '../_shared/tags.ts';

/**
 * The model of a request: one model (image and data, or a model package), or a multi-model container serving
 * every model under a prefix.
 */
type RequestedModel = ModelSource & Partial<Pick<MultiModelContainer, 'prefix' | 'cacheSetting'>>;

/**
 * The slice of the state document CreateModel reads: the model of the request (or what packaging produced), or
 * the containers of a multi-container model and how they run.
 */
export interface CreateModelState {
  request: {
    endpointName: string;
    model?: RequestedModel | undefined;
    containers?: ContainerInput[] | undefined;
    inferenceExecutionMode?: InferenceExecutionMode | undefined;
    tags: TagMap;
  };
  execution: ExecutionFacts;
  /** What the packaging steps produced, when the request asked for packaging. */
  packaging?: { packaged: PackagedModel } | undefined;
}
export const CreateModelState = stateSlice<CreateModelState>({
  request: {
    endpointName: 'string',
    containers: optional('array'),
    inferenceExecutionMode: optional('string'),
    model: optional({
      image: optional('string'),
      modelDataUrl: optional('string'),
      modelDataSource: optional({ s3Uri: 'string', s3DataType: 'string', compressionType: 'string' }),
      package: optional('object'),
      environment: optional('object'),
      modelPackageArn: optional('string'),
      prefix: optional('string'),
      cacheSetting: optional('string'),
    }),
    tags: 'object',
  },
  execution: 'object',
  packaging: optional({
    packaged: {
      format: 'string',
      modelDataUrl: optional('string'),
      modelDataSource: optional({ s3Uri: 'string', s3DataType: 'string', compressionType: 'string' }),
      sha256: 'string',
      sizeBytes: 'number',
      fileCount: 'number',
      manifestUrl: 'string',
      reused: 'boolean',
    },
  }),
});

/**
 * The container of a deployment's model: the model data comes from the input, or from the packaging steps; a
 * multi-model container serves every model under its prefix (SageMaker's `Mode: MultiModel`).
 */
function singleContainer(model: RequestedModel, packaged: PackagedModel | undefined): ContainerSpec {
  if (model.prefix !== undefined) {
    return {
      ...(model.image !== undefined ? { Image: model.image } : {}),
      ModelDataUrl: model.prefix,
      Mode: 'MultiModel',
      MultiModelConfig: { ModelCacheSetting: model.cacheSetting ?? 'Enabled' },
      Environment: model.environment ?? {},
    };
  }
  if (model.modelPackageArn !== undefined) return { ModelPackageName: model.modelPackageArn };
  const modelDataUrl = packaged?.modelDataUrl ?? model.modelDataUrl;
  const dataSource = packaged?.modelDataSource ?? model.modelDataSource;
  return {
    ...(model.image !== undefined ? { Image: model.image } : {}),
    ...(modelDataUrl !== undefined ? { ModelDataUrl: modelDataUrl } : {}),
    ...(dataSource !== undefined
      ? {
          ModelDataSource: {
            S3DataSource: {
              S3Uri: dataSource.s3Uri,
              S3DataType: dataSource.s3DataType,
              CompressionType: dataSource.compressionType,
            },
          },
        }
      : {}),
    Environment: model.environment ?? {},
  };
}

/** What the request's model runs: its containers (a pipeline or Direct), or its one container. */
function modelDefinition(state: CreateModelState): ModelDefinition {
  const { containers, inferenceExecutionMode, model } = state.request;
  if (containers !== undefined) {
    return { containers: containers.map(containerSpec), mode: inferenceExecutionMode ?? 'Serial' };
  }
  if (model === undefined) throw new InvalidInputError('request: expected model or containers');
  return { container: singleContainer(model, state.packaging?.packaged) };
}

/** The CreateModel request for a deployment, named `<endpoint>-<hash of the container spec and role>`. */
export function toModelSpec(state: CreateModelState, executionRoleArn: string): ModelSpec {
  return modelSpecFor(state.request.endpointName, modelDefinition(state), executionRoleArn);
}

/** Creates the SageMaker model of the deployment, or reuses the identical one created before. */
export async function createModel<S extends CreateModelState>(state: S, deps: EnsureModelDeps) {
  const model = await ensureModel(state.request.endpointName, modelDefinition(state), ownershipTags(state), deps);
  return { ...state, model };
}
