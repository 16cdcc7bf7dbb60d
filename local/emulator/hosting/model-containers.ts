/**
 * How a stored SageMaker model becomes containers to run, shared by endpoints and batch transform jobs: each
 * container's hostname, image, environment and model data, and how invocations go through them.
 */

import type { ModelDataSpec } from './artifacts.ts';
import type { ModelCacheSetting } from './multi-model.ts';

/** One container of a model, as snapshotted at deploy (or job start) time. */
export interface ContainerDeploySpec {
  /** `primary` for a single-container model, else the ContainerHostname (or `container-<n>`). */
  hostname: string;
  image: string;
  environment: Record<string, string>;
  modelData?: ModelDataSpec;
  /** `MultiModel` containers load models on demand through the container's `/models` API. */
  mode: 'SingleModel' | 'MultiModel';
  /** The model's ExecutionRoleArn: what SageMaker reads and writes for the container, it does as this role. */
  executionRoleArn?: string;
  /** `MultiModelConfig.ModelCacheSetting` of a `MultiModel` container. @default 'Enabled' */
  modelCacheSetting?: ModelCacheSetting;
}

/** `Serial` chains containers (an inference pipeline), `Direct` routes by TargetContainerHostname, `Single` has one. */
export type InvocationMode = 'Single' | 'Serial' | 'Direct';

type Input = Record<string, unknown>;

/**
 * The container definitions of a model: the containers its model packages resolved to, else its PrimaryContainer,
 * else its Containers in order.
 */
export function modelContainerDefinitions(model: Input): Input[] {
  const resolved = (model.smwf as { resolvedContainers?: Input[] } | undefined)?.resolvedContainers;
  if (resolved) return resolved;
  const primary = model.PrimaryContainer as Input | undefined;
  return primary ? [primary] : ((model.Containers as Input[] | undefined) ?? []);
}

/**
 * The containers of a model. Hostnames: the ContainerHostname, else `primary` for a model of one container, else
 * `container-<position>` (SageMaker assigns a name "based on the position" in the pipeline; the exact name is
 * undocumented, this one is the emulator's choice).
 */
export function containerDeploySpecs(model: Input): ContainerDeploySpec[] {
  const list = modelContainerDefinitions(model);
  const role = typeof model.ExecutionRoleArn === 'string' ? model.ExecutionRoleArn : undefined;
  return list.map((c, index) => {
    const source = (c.ModelDataSource as { S3DataSource?: Record<string, string> } | undefined)?.S3DataSource;
    let modelData: ModelDataSpec | undefined;
    if (typeof c.ModelDataUrl === 'string') {
      modelData = {
        s3Uri: c.ModelDataUrl,
        dataType: 'S3Object',
        compression: 'Gzip',
        ...(role ? { readAs: role } : {}),
      };
    } else if (source?.S3Uri) {
      modelData = {
        s3Uri: source.S3Uri,
        dataType: source.S3DataType === 'S3Prefix' ? 'S3Prefix' : 'S3Object',
        compression: source.CompressionType === 'Gzip' ? 'Gzip' : 'None',
        ...(role ? { readAs: role } : {}),
      };
    }
    return {
      hostname:
        typeof c.ContainerHostname === 'string'
          ? c.ContainerHostname
          : list.length === 1
            ? 'primary'
            : `container-${index + 1}`,
      image: String(c.Image ?? ''),
      environment: (c.Environment as Record<string, string> | undefined) ?? {},
      ...(role ? { executionRoleArn: role } : {}),
      ...(modelData ? { modelData } : {}),
      mode: c.Mode === 'MultiModel' ? 'MultiModel' : 'SingleModel',
      ...(c.Mode === 'MultiModel'
        ? {
            modelCacheSetting:
              (c.MultiModelConfig as { ModelCacheSetting?: string } | undefined)?.ModelCacheSetting === 'Disabled'
                ? 'Disabled'
                : 'Enabled',
          }
        : {}),
    };
  });
}

/** How invocations go through the model's containers: `InferenceExecutionConfig.Mode` (default Serial) when several. */
export function invocationModeOf(model: Input): InvocationMode {
  const mode = (model.InferenceExecutionConfig as { Mode?: string } | undefined)?.Mode;
  if (mode === 'Direct') return 'Direct';
  return modelContainerDefinitions(model).length <= 1 ? 'Single' : 'Serial';
}
