/** CreateModel, DescribeModel, DeleteModel and ListModels, and what CreateModel refuses about containers. */
import { notEmulated, validationException } from '../errors.ts';
import type { Operations } from '../operations.ts';
import { listResources } from '../store/listing.ts';
import { requireModel } from '../store/lookups.ts';
import { type ModelRecord, resourceArn, type SageMakerStore, type Tag } from '../store/store.ts';
import type { ModelRegistry } from './model-registry.ts';

type Input = Record<string, unknown>;

/** The model operations of the control plane. */
export function modelOperations(store: SageMakerStore, registry: ModelRegistry): Operations {
  return {
    CreateModel: (r, i) => createModel(store, registry, r, i),
    DescribeModel: async (r, i) => requireModel(store, r, String(i.ModelName)),
    DeleteModel: async (r, i) => {
      const name = String(i.ModelName);
      requireModel(store, r, name);
      await store.models.delete(r, name);
      return {};
    },
    ListModels: async (r, i) => ({ Models: [], ...listResources(store.models.list(r), 'ModelName', i, 'Models') }),
  };
}

async function createModel(
  store: SageMakerStore,
  registry: ModelRegistry,
  region: string,
  input: Input,
): Promise<unknown> {
  const name = String(input.ModelName);
  const arn = resourceArn(region, 'model', name);
  if (store.models.get(region, name)) throw validationException(`Cannot create already existing model "${arn}".`);
  const containers = (input.Containers as Input[] | undefined) ?? [];
  if (input.PrimaryContainer && containers.length > 0) {
    throw validationException('Cannot specify both PrimaryContainer and Containers.');
  }
  if (!input.PrimaryContainer && containers.length === 0) {
    throw validationException('Either PrimaryContainer or Containers must be specified.');
  }
  const definitions = input.PrimaryContainer ? [input.PrimaryContainer as Input] : containers;
  for (const container of definitions) {
    if (!container.Image && !container.ModelPackageName) {
      throw validationException('Image must be specified for each container unless ModelPackageName is given.');
    }
  }
  // Containers naming a model package run the package's containers; DescribeModel shows the request as given.
  const resolvedContainers = registry.resolveModelContainers(region, definitions);
  const running = resolvedContainers ?? definitions;
  checkMultiModel(running);
  checkContainerHostnames(input, running);
  const { Tags, ...rest } = input;
  const record: ModelRecord = {
    ...rest,
    ModelName: name,
    ModelArn: arn,
    CreationTime: store.nowSeconds(),
    ...(Tags ? { Tags: Tags as Tag[] } : {}),
    smwf: { region, ...(resolvedContainers ? { resolvedContainers } : {}) },
  };
  await store.models.put(name, record);
  return { ModelArn: arn };
}

/**
 * Multi-container models (DG multi-container-create, ContainerDefinition.ContainerHostname): Direct needs the
 * Containers parameter with more than one container, each with a ContainerHostname; in an inference pipeline
 * (Serial) a hostname on one container needs one on every container. Hostnames are unique. AWS documents the
 * rules, not the texts: the messages are ours.
 */
function checkContainerHostnames(input: Input, containers: Input[]): void {
  const mode = (input.InferenceExecutionConfig as Input | undefined)?.Mode;
  if (mode === 'Direct' && (input.PrimaryContainer !== undefined || containers.length < 2)) {
    throw validationException(
      'InferenceExecutionConfig Mode Direct requires the Containers parameter with more than one container (a multi-container endpoint), not PrimaryContainer or a single container.',
    );
  }
  if (containers.length < 2) return;
  const hostnames = containers.map((c) => c.ContainerHostname).filter((h) => h !== undefined);
  if (new Set(hostnames).size !== hostnames.length) throw validationException('Container hostnames must be unique.');
  if (mode === 'Direct' && hostnames.length !== containers.length) {
    throw validationException('ContainerHostname must be specified for each container in Direct inference mode.');
  }
  if (hostnames.length > 0 && hostnames.length !== containers.length) {
    throw validationException(
      'ContainerHostname must be specified for every container of an inference pipeline, or for none: it is specified for some of them.',
    );
  }
}

/**
 * Multi-model containers: what AWS allows and the emulator hosts is one `Mode: MultiModel` container whose
 * `ModelDataUrl` is the S3 prefix; the rest is refused (AWS's rule with our wording, or "not supported").
 */
function checkMultiModel(containers: Input[]): void {
  for (const container of containers) {
    if (container.Mode !== 'MultiModel') {
      if (container.MultiModelConfig !== undefined) {
        throw validationException('MultiModelConfig can only be specified for a container with Mode MultiModel.');
      }
      continue;
    }
    if (containers.length > 1) {
      throw notEmulated('A MultiModel container in a model with more than one container (an inference pipeline) is');
    }
    if (container.ModelDataSource !== undefined) {
      throw notEmulated('ModelDataSource on a MultiModel container (use ModelDataUrl, the S3 prefix of the models) is');
    }
    if (typeof container.ModelDataUrl !== 'string') {
      throw validationException(
        'ModelDataUrl must be specified for a container with Mode MultiModel: the S3 prefix of its models.',
      );
    }
  }
}
