import type { DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import { createOrReuse } from '../_shared/create-or-reuse.ts';
import { resourceName } from '../_shared/names.ts';
import type { ContainerSpec, ModelSpec, SageMakerGateway, Tags } from '../_shared/sagemaker.ts';
import { ownershipTags } from '../_shared/tags.ts';

/** What CreateModel needs from the outside. */
export interface CreateModelDeps {
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
    ExecutionRoleArn: roleArn,
  };
}

/**
 * The CreateModel request for a deployment, named `<endpoint>-<hash of the container spec>`. The model data
 * comes from the input, or from the packaging steps when the input asked for packaging.
 */
export function toModelSpec(state: DeploymentState, executionRoleArn: string): ModelSpec {
  const { model, endpointName } = state.request;
  const packaged = state.packaging?.packaged;
  const modelDataUrl = packaged?.modelDataUrl ?? model.modelDataUrl;
  const dataSource = packaged?.modelDataSource ?? model.modelDataSource;
  const container: ContainerSpec =
    model.modelPackageArn !== undefined
      ? { ModelPackageName: model.modelPackageArn }
      : {
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
  return {
    ModelName: resourceName(endpointName, comparable(container, executionRoleArn)),
    PrimaryContainer: container,
    ExecutionRoleArn: executionRoleArn,
  };
}

/** Creates the SageMaker model of the deployment, or reuses the identical one created before. */
export async function createModel(state: DeploymentState, deps: CreateModelDeps): Promise<DeploymentState> {
  const spec = toModelSpec(state, deps.executionRoleArn);
  const model = await createOrReuse({
    kind: 'Model',
    name: spec.ModelName,
    wanted: comparable(spec.PrimaryContainer, spec.ExecutionRoleArn),
    describe: () => deps.sagemaker.describeModel(spec.ModelName),
    actual: (found) => comparable(found.PrimaryContainer, found.ExecutionRoleArn),
    arnOf: (found) => found.ModelArn,
    create: () => deps.sagemaker.createModel(spec, ownershipTags(state)),
  });
  return { ...state, model };
}

/**
 * Creates (or reuses) the model of another workflow (BatchTransform) with CreateModel's naming and idempotency:
 * `<owner>-<hash of the container spec and role>`, never overwriting a different model of that name.
 */
export async function ensureModel(
  owner: string,
  container: ContainerSpec,
  tags: Tags,
  deps: CreateModelDeps,
): Promise<{ name: string; arn: string; created: boolean }> {
  const wanted = comparable(container, deps.executionRoleArn);
  const spec: ModelSpec = {
    ModelName: resourceName(owner, wanted),
    PrimaryContainer: container,
    ExecutionRoleArn: deps.executionRoleArn,
  };
  return createOrReuse({
    kind: 'Model',
    name: spec.ModelName,
    wanted,
    describe: () => deps.sagemaker.describeModel(spec.ModelName),
    actual: (found) => comparable(found.PrimaryContainer, found.ExecutionRoleArn),
    arnOf: (found) => found.ModelArn,
    create: () => deps.sagemaker.createModel(spec, tags),
  });
}
