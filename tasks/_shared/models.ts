/**
 * Models this project creates, named `<owner>-<hash of the container spec and role>` (the owner is the endpoint,
 * or a BatchTransform schedule): created once, reused when identical, never overwritten when different.
 */
import { createOrReuse } from './create-or-reuse.ts';
import { resourceName } from './names.ts';
import type { ContainerSpec, ModelSpec, SageMakerGateway, Tags } from './sagemaker.ts';

/** What creating a model needs from the outside. */
export interface EnsureModelDeps {
  sagemaker: Pick<SageMakerGateway, 'describeModel' | 'createModel'>;
  /** The SageMaker execution role the stack passes to every model. */
  executionRoleArn: string;
}

/**
 * The members that identify a model. A model package brings its own image, artifact and environment, which
 * DescribeModel may report resolved; only the package and the role are ours to compare.
 */
function comparable(container: ContainerSpec, roleArn: string) {
  if (container.ModelPackageName !== undefined) {
    return { ModelPackageName: container.ModelPackageName, ExecutionRoleArn: roleArn };
  }
  return {
    Image: container.Image,
    ModelDataUrl: container.ModelDataUrl,
    ModelDataSource: container.ModelDataSource,
    Environment: container.Environment ?? {},
    ModelPackageName: container.ModelPackageName,
    // SingleModel is SageMaker's default; a described model may or may not state it.
    Mode: container.Mode === 'MultiModel' ? 'MultiModel' : undefined,
    MultiModelConfig:
      container.Mode === 'MultiModel' ? (container.MultiModelConfig ?? { ModelCacheSetting: 'Enabled' }) : undefined,
    ExecutionRoleArn: roleArn,
  };
}

/** The CreateModel request for `container`, named `<owner>-<hash of the container spec and role>`. */
export function modelSpecFor(owner: string, container: ContainerSpec, executionRoleArn: string): ModelSpec {
  return {
    ModelName: resourceName(owner, comparable(container, executionRoleArn)),
    PrimaryContainer: container,
    ExecutionRoleArn: executionRoleArn,
  };
}

/**
 * Creates (or reuses) a model named `<owner>-<hash of the container spec and role>` (the endpoint, or a
 * BatchTransform schedule), never overwriting a different model of that name.
 */
export async function ensureModel(
  owner: string,
  container: ContainerSpec,
  tags: Tags,
  deps: EnsureModelDeps,
): Promise<{ name: string; arn: string; created: boolean }> {
  const spec = modelSpecFor(owner, container, deps.executionRoleArn);
  return createOrReuse({
    kind: 'Model',
    name: spec.ModelName,
    wanted: comparable(container, deps.executionRoleArn),
    describe: () => deps.sagemaker.describeModel(spec.ModelName),
    actual: (found) => comparable(found.PrimaryContainer, found.ExecutionRoleArn),
    arnOf: (found) => found.ModelArn,
    create: () => deps.sagemaker.createModel(spec, tags),
  });
}
