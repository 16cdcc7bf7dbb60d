import type { AsyncInferenceConfig, DataCaptureConfig, ProductionVariant } from '@aws-sdk/client-sagemaker';
import type { CreatedResource, ExecutionFacts, TagMap } from '../../contracts/contract-parts.ts';
import type { AsyncEndpointConfig } from '../../contracts/parts/async-inference.ts';
import type { DataCapture } from '../../contracts/parts/data-capture.ts';
import type { Variant } from '../../contracts/parts/endpoint.ts';
import { createOrReuse } from '../_shared/create-or-reuse.ts';
import { resourceName } from '../_shared/names.ts';
import type { EndpointConfigSpec, SageMakerGateway } from '../_shared/sagemaker.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { ownershipTags } from '../_shared/tags.ts';

/** The slice of the state document CreateEndpointConfig reads: the variants, and the model CreateModel recorded. */
export interface CreateEndpointConfigState {
  request: {
    endpointName: string;
    variants: Variant[];
    tags: TagMap;
    dataCapture?: DataCapture | undefined;
    async?: AsyncEndpointConfig | undefined;
  };
  execution: ExecutionFacts;
  /** The model the variants serve: CreateModel's result, or a model named in the request. */
  model: Pick<CreatedResource, 'name'>;
}
export const CreateEndpointConfigState = stateSlice<CreateEndpointConfigState>({
  request: {
    endpointName: 'string',
    variants: 'array',
    tags: 'object',
    dataCapture: optional('object'),
    async: optional('object'),
  },
  execution: 'object',
  model: { name: 'string' },
});

/** What CreateEndpointConfig needs from the outside. */
interface CreateEndpointConfigDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpointConfig' | 'createEndpointConfig'>;
}

const VARIANT_MEMBERS = [
  'VariantName',
  'ModelName',
  'InstanceType',
  'InitialInstanceCount',
  'InitialVariantWeight',
  'ServerlessConfig',
  'ContainerStartupHealthCheckTimeoutInSeconds',
  'ModelDataDownloadTimeoutInSeconds',
] as const;

/** One ProductionVariant of the request, with only the members we set. */
function toProductionVariant(variant: Variant, modelName: string): ProductionVariant {
  const pv: ProductionVariant = {
    VariantName: variant.name,
    ModelName: modelName,
    InitialVariantWeight: variant.initialVariantWeight,
  };
  if (variant.serverless !== undefined) {
    pv.ServerlessConfig = {
      MemorySizeInMB: variant.serverless.memorySizeInMB,
      MaxConcurrency: variant.serverless.maxConcurrency,
      ...(variant.serverless.provisionedConcurrency !== undefined
        ? { ProvisionedConcurrency: variant.serverless.provisionedConcurrency }
        : {}),
    };
  } else if (variant.instanceType !== undefined) {
    pv.InstanceType = variant.instanceType as ProductionVariant['InstanceType'];
    pv.InitialInstanceCount = variant.initialInstanceCount;
  }
  if (variant.containerStartupHealthCheckTimeoutInSeconds !== undefined) {
    pv.ContainerStartupHealthCheckTimeoutInSeconds = variant.containerStartupHealthCheckTimeoutInSeconds;
  }
  if (variant.modelDataDownloadTimeoutInSeconds !== undefined) {
    pv.ModelDataDownloadTimeoutInSeconds = variant.modelDataDownloadTimeoutInSeconds;
  }
  return pv;
}

/** SageMaker's DataCaptureConfig for the contract's data capture. */
function toDataCaptureConfig(capture: DataCapture): DataCaptureConfig {
  const header = {
    ...(capture.csvContentTypes !== undefined ? { CsvContentTypes: capture.csvContentTypes } : {}),
    ...(capture.jsonContentTypes !== undefined ? { JsonContentTypes: capture.jsonContentTypes } : {}),
  };
  return {
    EnableCapture: capture.enableCapture,
    InitialSamplingPercentage: capture.initialSamplingPercentage,
    DestinationS3Uri: capture.destinationS3Uri,
    CaptureOptions: capture.captureModes.map((CaptureMode) => ({ CaptureMode })),
    ...(capture.kmsKeyId !== undefined ? { KmsKeyId: capture.kmsKeyId } : {}),
    ...(Object.keys(header).length > 0 ? { CaptureContentTypeHeader: header } : {}),
  };
}

/** The AsyncInferenceConfig of the request's `async`, with only the members it sets. */
function toAsyncInferenceConfig(config: AsyncEndpointConfig): AsyncInferenceConfig {
  const notification = {
    ...(config.successTopic !== undefined ? { SuccessTopic: config.successTopic } : {}),
    ...(config.errorTopic !== undefined ? { ErrorTopic: config.errorTopic } : {}),
    ...(config.includeInferenceResponseIn !== undefined
      ? { IncludeInferenceResponseIn: config.includeInferenceResponseIn }
      : {}),
  };
  return {
    OutputConfig: {
      S3OutputPath: config.s3OutputPath,
      ...(config.s3FailurePath !== undefined ? { S3FailurePath: config.s3FailurePath } : {}),
      ...(Object.keys(notification).length > 0 ? { NotificationConfig: notification } : {}),
    },
    ...(config.maxConcurrentInvocationsPerInstance !== undefined
      ? { ClientConfig: { MaxConcurrentInvocationsPerInstance: config.maxConcurrentInvocationsPerInstance } }
      : {}),
  };
}

/**
 * What makes two endpoint configs the same: each variant's members we set, the data capture and the async config.
 * A config with neither compares (and is named) by its variants alone, as before either existed.
 */
function comparable(
  spec: Pick<EndpointConfigSpec, 'ProductionVariants' | 'DataCaptureConfig' | 'AsyncInferenceConfig'>,
) {
  const variants = spec.ProductionVariants.map((variant) =>
    Object.fromEntries(VARIANT_MEMBERS.map((key) => [key, variant[key]])),
  );
  if (spec.DataCaptureConfig === undefined && spec.AsyncInferenceConfig === undefined) return variants;
  return {
    variants,
    ...(spec.DataCaptureConfig !== undefined ? { dataCapture: spec.DataCaptureConfig } : {}),
    ...(spec.AsyncInferenceConfig !== undefined ? { async: spec.AsyncInferenceConfig } : {}),
  };
}

/** The CreateEndpointConfig request, named `<endpoint>-<hash of the variants, data capture and async config>`. */
export function toEndpointConfigSpec(state: CreateEndpointConfigState, modelName: string): EndpointConfigSpec {
  const variants = state.request.variants.map((variant) => toProductionVariant(variant, modelName));
  const capture = state.request.dataCapture;
  const asyncConfig = state.request.async;
  const parts = {
    ProductionVariants: variants,
    ...(capture !== undefined ? { DataCaptureConfig: toDataCaptureConfig(capture) } : {}),
    ...(asyncConfig !== undefined ? { AsyncInferenceConfig: toAsyncInferenceConfig(asyncConfig) } : {}),
  };
  return { EndpointConfigName: resourceName(state.request.endpointName, comparable(parts)), ...parts };
}

/** Creates the endpoint config of the deployment, or reuses the identical one created before. */
export async function createEndpointConfig<S extends CreateEndpointConfigState>(
  state: S,
  deps: CreateEndpointConfigDeps,
) {
  const spec = toEndpointConfigSpec(state, state.model.name);
  const endpointConfig = await createOrReuse({
    kind: 'Endpoint config',
    name: spec.EndpointConfigName,
    wanted: comparable(spec),
    describe: () => deps.sagemaker.describeEndpointConfig(spec.EndpointConfigName),
    actual: (found) => comparable(found),
    arnOf: (found) => found.EndpointConfigArn,
    create: () => deps.sagemaker.createEndpointConfig(spec, ownershipTags(state)),
  });
  return { ...state, endpointConfig };
}
