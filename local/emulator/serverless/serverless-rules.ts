/**
 * What SageMaker refuses about serverless variants (contract: ../shared/reference/sagemaker-variant-contracts.md §6;
 * DG serverless-endpoints, API ProductionVariantServerlessConfig). The API model gives the ranges, which the shape
 * validation checks; the rules here are the ones it cannot express. AWS documents the rules, not the texts: the
 * messages are ours.
 */
import { notEmulated, validationException } from '../errors.ts';
import { invocationModeOf, modelContainerDefinitions } from '../hosting/model-containers.ts';

type Input = Record<string, unknown>;

/** Serverless memory sizes: 1 GB steps from 1024 to 6144 MB (API ProductionVariantServerlessConfig). */
export const SERVERLESS_MEMORY_SIZES_MB = [1024, 2048, 3072, 4096, 5120, 6144] as const;

/** ProductionVariant members that describe instances (or GPUs), which a serverless variant does not have. */
const INSTANCE_ONLY_MEMBERS = [
  'AcceleratorType',
  'VolumeSizeInGB',
  'ManagedInstanceScaling',
  'InferenceAmiVersion',
  'EnableSSMAccess',
] as const;

/** The serverless config of a variant, or undefined for an instance-based one. */
function serverlessOf(variant: Input): Input | undefined {
  return variant.ServerlessConfig as Input | undefined;
}

/**
 * A production variant is serverless (ServerlessConfig) or instance-based (InstanceType and InitialInstanceCount):
 * never both, never neither.
 */
export function checkServerlessOrInstances(variant: Input): void {
  const name = String(variant.VariantName);
  const serverless = Boolean(variant.ServerlessConfig);
  if (serverless && (variant.InstanceType || variant.InitialInstanceCount !== undefined)) {
    throw validationException(
      `Production variant ${name} cannot specify both ServerlessConfig and InstanceType/InitialInstanceCount.`,
    );
  }
  if (!serverless && (!variant.InstanceType || variant.InitialInstanceCount === undefined)) {
    throw validationException(
      `Production variant ${name} must specify InstanceType and InitialInstanceCount, or ServerlessConfig.`,
    );
  }
}

/**
 * Refuses what SageMaker refuses in CreateEndpointConfig for a serverless variant: memory off the 1 GB steps,
 * provisioned above maximum concurrency, a serverless variant beside other variants, data capture, asynchronous
 * inference, instance-only members, and models that need what serverless lacks (VPC, network isolation, a private
 * registry). `modelOf` returns the stored model a variant names.
 */
export function checkServerlessVariants(config: Input, modelOf: (variant: Input) => Input): void {
  const variants = (config.ProductionVariants as Input[] | undefined) ?? [];
  for (const variant of variants) {
    const serverless = serverlessOf(variant);
    if (serverless === undefined) continue;
    const name = String(variant.VariantName);
    const memory = Number(serverless.MemorySizeInMB);
    if (!(SERVERLESS_MEMORY_SIZES_MB as readonly number[]).includes(memory)) {
      throw validationException(
        `Production variant ${name}: MemorySizeInMB ${memory} is not valid. Valid values are in 1 GB increments: ${SERVERLESS_MEMORY_SIZES_MB.join(', ')}.`,
      );
    }
    const provisioned = serverless.ProvisionedConcurrency;
    if (typeof provisioned === 'number' && provisioned > Number(serverless.MaxConcurrency)) {
      throw validationException(
        `Production variant ${name}: ProvisionedConcurrency (${provisioned}) must be less than or equal to MaxConcurrency (${String(serverless.MaxConcurrency)}).`,
      );
    }
    if (variants.length > 1) {
      throw validationException(
        `Production variant ${name} uses ServerlessConfig: a serverless endpoint configuration takes exactly one production variant, and this one has ${variants.length}.`,
      );
    }
    if (config.DataCaptureConfig !== undefined) {
      throw validationException(
        `Production variant ${name} uses ServerlessConfig: serverless endpoints do not support data capture (DataCaptureConfig).`,
      );
    }
    if (config.AsyncInferenceConfig !== undefined) {
      throw validationException(
        `Production variant ${name} uses ServerlessConfig: serverless endpoints do not support asynchronous inference (AsyncInferenceConfig).`,
      );
    }
    const instanceMember = INSTANCE_ONLY_MEMBERS.find((member) => variant[member] !== undefined);
    if (instanceMember !== undefined) {
      throw validationException(
        `Production variant ${name} uses ServerlessConfig and cannot specify ${instanceMember}: it applies to instance-based variants only.`,
      );
    }
    checkServerlessModel(name, modelOf(variant));
  }
}

/**
 * Refuses a model a serverless variant cannot host: multi-model, an inference pipeline (a Direct multi-container
 * model is not emulated), VPC, network isolation, an image from a private registry.
 */
function checkServerlessModel(variantName: string, model: Input): void {
  const modelName = String(model.ModelName);
  const refuse = (what: string) =>
    validationException(
      `Production variant ${variantName} cannot use ServerlessConfig: model ${modelName} uses ${what}, which serverless endpoints do not support.`,
    );
  const containers = modelContainerDefinitions(model);
  if (containers.some((c) => c.Mode === 'MultiModel')) {
    throw validationException(
      `Production variant ${variantName} cannot use ServerlessConfig: model ${modelName} is a multi-model model, and serverless endpoints do not support multi-model endpoints.`,
    );
  }
  const mode = invocationModeOf(model);
  if (mode === 'Serial') {
    // DG serverless-endpoints lists inference pipelines among what serverless endpoints do not support.
    throw validationException(
      `Production variant ${variantName} cannot use ServerlessConfig: model ${modelName} is an inference pipeline (several containers, Serial), and serverless endpoints do not support inference pipelines.`,
    );
  }
  if (mode === 'Direct') {
    throw notEmulated(
      `Serverless multi-container endpoints (production variant ${variantName}, model ${modelName} in Direct inference execution mode) are`,
    );
  }
  if (model.VpcConfig !== undefined) throw refuse('a VPC (VpcConfig)');
  if (model.EnableNetworkIsolation === true) throw refuse('network isolation (EnableNetworkIsolation)');
  const privateRegistry = containers.some((c) => (c.ImageConfig as Input | undefined)?.RepositoryAccessMode === 'Vpc');
  if (privateRegistry) throw refuse('an image from a private registry (ImageConfig RepositoryAccessMode Vpc)');
}

/**
 * Refuses an UpdateEndpoint that would turn an instance-based variant serverless: SageMaker allows serverless to
 * instance-based, not the reverse (DG serverless-endpoints). `current` are the variants now serving.
 */
export function checkServerlessUpdate(
  endpointName: string,
  current: readonly { variantName: string; serverless?: unknown }[],
  next: readonly Input[],
): void {
  const instanceBased = current.filter((v) => v.serverless === undefined);
  const turned = next.find((v) => serverlessOf(v) !== undefined && instanceBased.length > 0);
  if (turned !== undefined) {
    throw validationException(
      `Cannot update endpoint ${endpointName} from instance-based variants (${instanceBased.map((v) => v.variantName).join(', ')}) to a serverless variant (${String(turned.VariantName)}): an instance-based endpoint cannot be updated to serverless. Create a new serverless endpoint instead.`,
    );
  }
}
