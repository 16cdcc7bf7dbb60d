/** CreateEndpointConfig, DescribeEndpointConfig, DeleteEndpointConfig and ListEndpointConfigs. */
import { checkAsyncInferenceConfig } from '../async/async-config.ts';
import { checkDataCaptureConfig } from '../capture/data-capture.ts';
import { notEmulated, validationException } from '../errors.ts';
import type { Operations } from '../operations.ts';
import { checkServerlessOrInstances, checkServerlessVariants } from '../serverless/serverless-rules.ts';
import { listResources } from '../store/listing.ts';
import { requireConfig, requireModel } from '../store/lookups.ts';
import { type EndpointConfigRecord, resourceArn, type SageMakerStore, type Tag } from '../store/store.ts';
import { checkComponentEndpointConfig } from './inference-components.ts';

type Input = Record<string, unknown>;

/** GPU (g, p), Inferentia and Trainium instance families: multi-model endpoints there run Triton only. */
const ACCELERATED_INSTANCE = /^ml\.(g\d|p\d|inf\d|trn\d)/;

/** The endpoint configuration operations of the control plane. */
export function endpointConfigOperations(store: SageMakerStore): Operations {
  return {
    CreateEndpointConfig: (r, i) => createEndpointConfig(store, r, i),
    DescribeEndpointConfig: async (r, i) => requireConfig(store, r, String(i.EndpointConfigName)),
    DeleteEndpointConfig: async (r, i) => {
      const name = String(i.EndpointConfigName);
      requireConfig(store, r, name);
      await store.endpointConfigs.delete(r, name);
      return {};
    },
    ListEndpointConfigs: async (r, i) => ({
      EndpointConfigs: [],
      ...listResources(store.endpointConfigs.list(r), 'EndpointConfigName', i, 'EndpointConfigs'),
    }),
  };
}

async function createEndpointConfig(store: SageMakerStore, region: string, input: Input): Promise<unknown> {
  const name = String(input.EndpointConfigName);
  const arn = resourceArn(region, 'endpoint-config', name);
  if (store.endpointConfigs.get(region, name)) {
    throw validationException(`Cannot create already existing endpoint configuration "${arn}".`);
  }
  const variants = input.ProductionVariants as Input[];
  checkComponentEndpointConfig(input);
  const names = new Set<string>();
  for (const variant of variants) {
    const variantName = String(variant.VariantName);
    if (names.has(variantName.toLowerCase())) {
      throw validationException(`Variant name "${variantName}" is not unique within the endpoint configuration.`);
    }
    names.add(variantName.toLowerCase());
    checkServerlessOrInstances(variant);
    // A variant without a model hosts inference components (checkComponentEndpointConfig has its rules).
    if (variant.ModelName === undefined) continue;
    const model = requireModel(store, region, String(variant.ModelName));
    const multiModel = [model.PrimaryContainer, ...((model.Containers as Input[] | undefined) ?? [])].some(
      (c) => (c as Input | undefined)?.Mode === 'MultiModel',
    );
    if (multiModel && typeof variant.InstanceType === 'string' && ACCELERATED_INSTANCE.test(variant.InstanceType)) {
      throw notEmulated(
        `Multi-model endpoints on GPU or accelerator instances (production variant ${variantName}, ${variant.InstanceType}: Triton-based) are`,
      );
    }
  }
  if (input.AsyncInferenceConfig !== undefined) {
    checkAsyncInferenceConfig(input.AsyncInferenceConfig as Input);
  }
  if (variants.every((v) => v.ModelName !== undefined)) {
    checkServerlessVariants(input, (variant) => requireModel(store, region, String(variant.ModelName)));
  }
  checkDataCaptureConfig(input.DataCaptureConfig as Input | undefined);
  const { Tags, ...rest } = input;
  const record: EndpointConfigRecord = {
    ...rest,
    EndpointConfigName: name,
    EndpointConfigArn: arn,
    ProductionVariants: variants,
    CreationTime: store.nowSeconds(),
    ...(Tags ? { Tags: Tags as Tag[] } : {}),
    smwf: { region },
  };
  await store.endpointConfigs.put(name, record);
  return { EndpointConfigArn: arn };
}
