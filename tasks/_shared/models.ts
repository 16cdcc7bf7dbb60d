/**
 * Models this project creates, named `<owner>-<hash of the container spec and role>` (the owner is the endpoint,
 * or a BatchTransform schedule): created once, reused when identical, never overwritten when different.
 */
import type { ContainerInput } from '../../contracts/parts/containers.ts';
import { createOrReuse } from './create-or-reuse.ts';
import { resourceName } from './names.ts';
import type { ContainerSpec, InferenceExecutionMode, ModelSpec, SageMakerGateway, Tags } from './sagemaker.ts';

/** What creating a model needs from the outside. */
export interface EnsureModelDeps {
  sagemaker: Pick<SageMakerGateway, 'describeModel' | 'createModel'>;
  /** The SageMaker execution role the stack passes to every model. */
  executionRoleArn: string;
}

/** A container of a multi-container model (the contract's form), in SageMaker's member names. */
export function containerSpec(container: ContainerInput): ContainerSpec {
  return {
    ...(container.hostname !== undefined ? { ContainerHostname: container.hostname } : {}),
    Image: container.image,
    ...(container.modelDataUrl !== undefined ? { ModelDataUrl: container.modelDataUrl } : {}),
    ...(container.modelDataSource !== undefined
      ? {
          ModelDataSource: {
            S3DataSource: {
              S3Uri: container.modelDataSource.s3Uri,
              S3DataType: container.modelDataSource.s3DataType,
              CompressionType: container.modelDataSource.compressionType,
            },
          },
        }
      : {}),
    ...(container.multiModel !== undefined
      ? {
          ModelDataUrl: container.multiModel.prefix,
          Mode: 'MultiModel' as const,
          MultiModelConfig: { ModelCacheSetting: container.multiModel.cacheSetting },
        }
      : {}),
    Environment: container.environment ?? {},
  };
}

/** What a model runs: one container, or several with how they run (a serial pipeline, or Direct). */
export type ModelDefinition =
  | { readonly container: ContainerSpec }
  | { readonly containers: readonly ContainerSpec[]; readonly mode: InferenceExecutionMode };

/**
 * The members that identify a container. A model package brings its own image, artifact and environment, which
 * DescribeModel may report resolved; only the package is ours to compare.
 */
function comparableContainer(container: ContainerSpec) {
  if (container.ModelPackageName !== undefined) return { ModelPackageName: container.ModelPackageName };
  return {
    Image: container.Image,
    ModelDataUrl: container.ModelDataUrl,
    ModelDataSource: container.ModelDataSource,
    Environment: container.Environment ?? {},
    // SingleModel is SageMaker's default; a described model may or may not state it.
    Mode: container.Mode === 'MultiModel' ? 'MultiModel' : undefined,
    MultiModelConfig:
      container.Mode === 'MultiModel' ? (container.MultiModelConfig ?? { ModelCacheSetting: 'Enabled' }) : undefined,
    ContainerHostname: container.ContainerHostname,
  };
}

/** The members that identify a model: its container(s), their mode, and the role. */
function comparable(definition: ModelDefinition, roleArn: string) {
  if ('container' in definition) return { ...comparableContainer(definition.container), ExecutionRoleArn: roleArn };
  return {
    Containers: definition.containers.map(comparableContainer),
    InferenceExecutionMode: definition.mode,
    ExecutionRoleArn: roleArn,
  };
}

/** What a described model runs, in the form it was created from. */
function definitionOf(model: ModelSpec): ModelDefinition {
  if (model.PrimaryContainer) return { container: model.PrimaryContainer };
  const containers = model.Containers ?? [];
  // SageMaker accepts a one-entry Containers list for a single-container model.
  if (containers.length === 1 && model.InferenceExecutionConfig === undefined)
    return { container: containers[0] ?? {} };
  return { containers, mode: model.InferenceExecutionConfig?.Mode ?? 'Serial' };
}

/** The CreateModel request for `definition`, named `<owner>-<hash of the container spec(s) and role>`. */
export function modelSpecFor(owner: string, definition: ModelDefinition, executionRoleArn: string): ModelSpec {
  const name = resourceName(owner, comparable(definition, executionRoleArn));
  return 'container' in definition
    ? { ModelName: name, PrimaryContainer: definition.container, ExecutionRoleArn: executionRoleArn }
    : {
        ModelName: name,
        Containers: [...definition.containers],
        InferenceExecutionConfig: { Mode: definition.mode },
        ExecutionRoleArn: executionRoleArn,
      };
}

/**
 * Creates (or reuses) a model named `<owner>-<hash of the container spec(s) and role>` (the endpoint, or a
 * BatchTransform schedule), never overwriting a different model of that name.
 */
export async function ensureModel(
  owner: string,
  definition: ModelDefinition,
  tags: Tags,
  deps: EnsureModelDeps,
): Promise<{ name: string; arn: string; created: boolean }> {
  const spec = modelSpecFor(owner, definition, deps.executionRoleArn);
  return createOrReuse({
    kind: 'Model',
    name: spec.ModelName,
    wanted: comparable(definition, deps.executionRoleArn),
    describe: () => deps.sagemaker.describeModel(spec.ModelName),
    actual: (found) => comparable(definitionOf(found), found.ExecutionRoleArn),
    arnOf: (found) => found.ModelArn,
    create: () => deps.sagemaker.createModel(spec, tags),
  });
}

/** A BatchTransform run's model, when the run creates it: one image with its artifact, or a serial pipeline. */
interface BatchModelSource {
  readonly image?: string | undefined;
  readonly modelDataUrl?: string | undefined;
  readonly environment?: Readonly<Record<string, string>> | undefined;
  readonly containers?: readonly ContainerInput[] | undefined;
}

/** What a BatchTransform run's model runs: a serial pipeline of containers, or one image with its artifact. */
export function batchModelDefinition(model: BatchModelSource): ModelDefinition {
  if (model.containers !== undefined) return { mode: 'Serial', containers: model.containers.map(containerSpec) };
  return {
    container: {
      Image: model.image as string,
      ...(model.modelDataUrl !== undefined ? { ModelDataUrl: model.modelDataUrl } : {}),
      Environment: { ...model.environment },
    },
  };
}
