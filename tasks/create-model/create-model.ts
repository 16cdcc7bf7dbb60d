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

/** The container of a deployment's model: the model data comes from the input, or from the packaging steps. */
export function modelContainer(state: DeploymentState): ContainerSpec {
  const { model } = state.request;
  const packaged = state.packaging?.packaged;
  const modelDataUrl = packaged?.modelDataUrl ?? model.modelDataUrl;
  const dataSource = packaged?.modelDataSource ?? model.modelDataSource;
  return model.modelPackageArn !== undefined
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
}

/** The CreateModel request for `container`, named `<owner>-<hash of the container spec and role>`. */
export function modelSpecFor(owner: string, container: ContainerSpec, executionRoleArn: string): ModelSpec {
  return {
    ModelName: resourceName(owner, comparable(container, executionRoleArn)),
    PrimaryContainer: container,
    ExecutionRoleArn: executionRoleArn,
  };
}

/** The CreateModel request for a deployment, named `<endpoint>-<hash of the container spec and role>`. */
export function toModelSpec(state: DeploymentState, executionRoleArn: string): ModelSpec {
  return modelSpecFor(state.request.endpointName, modelContainer(state), executionRoleArn);
}

/** Creates the SageMaker model of the deployment, or reuses the identical one created before. */
export async function createModel(state: DeploymentState, deps: CreateModelDeps): Promise<DeploymentState> {
  const model = await ensureModel(state.request.endpointName, modelContainer(state), ownershipTags(state), deps);
  return { ...state, model };
}

/**
 * Creates (or reuses) a model named `<owner>-<hash of the container spec and role>` (the endpoint, or a
 * BatchTransform schedule), never overwriting a different model of that name.
 */
export async function ensureModel(
  owner: string,
  container: ContainerSpec,
  tags: Tags,
  deps: CreateModelDeps,
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
