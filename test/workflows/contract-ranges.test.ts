/**
 * The DeployEndpoint contract states SageMaker's documented ranges and enums by hand (contracts import only
 * zod); this test holds them to SageMaker's own API model, so a drift fails here rather than at CreateEndpoint.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MAX_TAGS_PER_RESOURCE,
  MAX_USER_TAGS,
  MODEL_ENVIRONMENT,
  TRANSFORM_ENVIRONMENT,
} from '../../contracts/limits.ts';
import { BatchTransformInput } from '../../contracts/parts/batch-transform.ts';
import { HOSTING_INSTANCE_TYPES, TRANSFORM_INSTANCE_TYPES } from '../../contracts/parts/instance-type-values.ts';
import { BatchTagKeys, TagKeys } from '../../tasks/_shared/tags.ts';
import { DeployEndpointInput } from '../../workflows/deploy-endpoint/contract.ts';

type Shape = {
  min?: number;
  max?: number;
  enum?: string[];
  pattern?: string;
  key?: { shape: string };
  value?: { shape: string };
};
const model = JSON.parse(
  readFileSync(new URL('../../local/emulator/aws-models/sagemaker.json', import.meta.url), 'utf8'),
) as {
  shapes: Record<string, Shape>;
};
const shape = (name: string): Shape => {
  const found = model.shapes[name];
  if (!found) throw new Error(`No shape ${name} in the SageMaker API model`);
  return found;
};

function baseInput(): Record<string, unknown> {
  return {
    endpointName: 'churn',
    model: { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1', modelDataUrl: 's3://bucket/k' },
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: { samples: [{ body: '{}' }] },
    // Long enough for any guardrail: the first state refuses a deadline shorter than the guardrails' own.
    wait: { timeoutMinutes: 1440 },
  };
}

/** Where each range lives in the contract, and the SageMaker shape that defines it. */
const numericFields: { field: string; shape: string; set: (input: Record<string, unknown>, value: number) => void }[] =
  [
    {
      field: 'deployment.blueGreen.maximumExecutionTimeoutInSeconds',
      shape: 'MaximumExecutionTimeoutInSeconds',
      set: (input, value) => {
        input.deployment = {
          blueGreen: {
            trafficRouting: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 0 },
            maximumExecutionTimeoutInSeconds: value,
          },
        };
      },
    },
    {
      field: 'deployment.blueGreen.terminationWaitInSeconds',
      shape: 'TerminationWaitInSeconds',
      set: (input, value) => {
        input.deployment = {
          blueGreen: {
            trafficRouting: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 0 },
            terminationWaitInSeconds: value,
          },
        };
      },
    },
    {
      field: 'deployment.blueGreen.trafficRouting.waitIntervalInSeconds',
      shape: 'WaitIntervalInSeconds',
      set: (input, value) => {
        input.deployment = { blueGreen: { trafficRouting: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: value } } };
      },
    },
    {
      field: 'deployment.rolling.maximumExecutionTimeoutInSeconds',
      shape: 'MaximumExecutionTimeoutInSeconds',
      set: (input, value) => {
        input.deployment = {
          rolling: {
            maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 10 },
            waitIntervalInSeconds: 0,
            maximumExecutionTimeoutInSeconds: value,
          },
        };
      },
    },
    {
      field: 'variants[0].serverless.maxConcurrency',
      shape: 'ServerlessMaxConcurrency',
      set: (input, value) => {
        input.variants = [{ serverless: { memorySizeInMB: 2048, maxConcurrency: value } }];
      },
    },
    {
      field: 'variants[0].containerStartupHealthCheckTimeoutInSeconds',
      shape: 'ProductionVariantContainerStartupHealthCheckTimeoutInSeconds',
      set: (input, value) => {
        input.variants = [{ instanceType: 'ml.m5.large', containerStartupHealthCheckTimeoutInSeconds: value }];
      },
    },
    {
      field: 'variants[0].modelDataDownloadTimeoutInSeconds',
      shape: 'ProductionVariantModelDataDownloadTimeoutInSeconds',
      set: (input, value) => {
        input.variants = [{ instanceType: 'ml.m5.large', modelDataDownloadTimeoutInSeconds: value }];
      },
    },
    {
      field: 'dataCapture.initialSamplingPercentage',
      shape: 'SamplingPercentage',
      set: (input, value) => {
        input.dataCapture = { initialSamplingPercentage: value, destinationS3Uri: 's3://bucket/capture' };
      },
    },
  ];

describe('the DeployEndpoint contract against the SageMaker API model', () => {
  it.each(numericFields)('accepts exactly the range of $shape at $field', ({ shape: name, set }) => {
    const { min, max } = shape(name);
    const accepts = (value: number) => {
      const input = baseInput();
      set(input, value);
      return DeployEndpointInput.safeParse(input).success;
    };
    expect(min).toBeDefined();
    expect(max).toBeDefined();
    expect(accepts(min as number)).toBe(true);
    expect(accepts(max as number)).toBe(true);
    expect(accepts((min as number) - 1)).toBe(false);
    expect(accepts((max as number) + 1)).toBe(false);
  });

  it('accepts the serverless memory sizes SageMaker allows and no others', () => {
    const { min, max } = shape('ServerlessMemorySizeInMB');
    const accepts = (memorySizeInMB: number) =>
      DeployEndpointInput.safeParse({
        ...baseInput(),
        variants: [{ serverless: { memorySizeInMB, maxConcurrency: 1 } }],
      }).success;
    expect(accepts(min as number)).toBe(true);
    expect(accepts(max as number)).toBe(true);
    expect(accepts((max as number) + 1024)).toBe(false);
    expect(accepts(1500)).toBe(false);
  });

  it('offers exactly the capture modes, list lengths and content type pattern of DataCaptureConfig', () => {
    const capture = (more: Record<string, unknown>) =>
      DeployEndpointInput.safeParse({
        ...baseInput(),
        dataCapture: { initialSamplingPercentage: 10, destinationS3Uri: 's3://bucket/capture', ...more },
      }).success;
    for (const mode of shape('CaptureMode').enum ?? []) expect(capture({ captureModes: [mode] })).toBe(true);
    expect(capture({ captureModes: ['Everything'] })).toBe(false);
    const modesMax = shape('CaptureOptionList').max as number;
    expect(capture({ captureModes: Array.from({ length: modesMax }, () => 'Input') })).toBe(true);
    expect(capture({ captureModes: Array.from({ length: modesMax + 1 }, () => 'Input') })).toBe(false);
    const typesMax = shape('CsvContentTypes').max as number;
    expect(shape('JsonContentTypes').max).toBe(typesMax);
    const types = (n: number) => Array.from({ length: n }, (_, i) => `text/x${i}`);
    expect(capture({ csvContentTypes: types(typesMax), jsonContentTypes: types(typesMax) })).toBe(true);
    expect(capture({ csvContentTypes: types(typesMax + 1) })).toBe(false);
    expect(capture({ jsonContentTypes: [] })).toBe(false);
    const apiPattern = new RegExp(`^(?:${shape('CsvContentType').pattern})$`);
    for (const type of [
      'text/csv',
      'application/x-ndjson',
      'application/vnd.api.json',
      'text',
      'text/csv; charset=x',
    ]) {
      expect(capture({ csvContentTypes: [type] }), type).toBe(apiPattern.test(type));
    }
  });

  it('limits variants and auto-rollback alarms to the API list lengths', () => {
    const variantsMax = shape('ProductionVariantList').max as number;
    const variants = Array.from({ length: variantsMax + 1 }, (_, i) => ({
      name: `v${i}`,
      instanceType: 'ml.m5.large',
    }));
    expect(DeployEndpointInput.safeParse({ ...baseInput(), variants }).success).toBe(false);
    expect(DeployEndpointInput.safeParse({ ...baseInput(), variants: variants.slice(0, variantsMax) }).success).toBe(
      true,
    );

    const alarmsMax = shape('AlarmList').max as number;
    const alarms = Array.from({ length: alarmsMax + 1 }, (_, i) => `alarm-${i}`);
    expect(DeployEndpointInput.safeParse({ ...baseInput(), deployment: { autoRollbackAlarms: alarms } }).success).toBe(
      false,
    );
  });

  it('offers exactly the traffic routing and capacity types of the API', () => {
    for (const type of shape('TrafficRoutingConfigType').enum ?? []) {
      const routing: Record<string, unknown> = { type, waitIntervalInSeconds: 60 };
      if (type === 'CANARY') routing.canarySize = { type: 'CAPACITY_PERCENT', value: 10 };
      if (type === 'LINEAR') routing.linearStepSize = { type: 'CAPACITY_PERCENT', value: 10 };
      expect(
        DeployEndpointInput.safeParse({ ...baseInput(), deployment: { blueGreen: { trafficRouting: routing } } })
          .success,
      ).toBe(true);
    }
    // A tenth of ten instances, either way: within every guardrail's percentages.
    const variants = [{ instanceType: 'ml.m5.large', initialInstanceCount: 10 }];
    for (const type of shape('CapacitySizeType').enum ?? []) {
      const value = type === 'INSTANCE_COUNT' ? 1 : 10;
      const rolling = { maximumBatchSize: { type, value }, waitIntervalInSeconds: 0 };
      expect(DeployEndpointInput.safeParse({ ...baseInput(), variants, deployment: { rolling } }).success).toBe(true);
    }
  });

  it('uses the API pattern and length for endpoint names', () => {
    const { pattern, max } = shape('EndpointName');
    const apiPattern = new RegExp(`^(?:${pattern})$`);
    for (const name of [
      'a',
      'churn-model-1',
      'a--b',
      '-bad',
      'bad-',
      'has_underscore',
      'x'.repeat(max as number),
      'x'.repeat((max as number) + 1),
    ]) {
      const expected = apiPattern.test(name) && name.length <= (max as number);
      expect(DeployEndpointInput.safeParse({ ...baseInput(), endpointName: name }).success, name).toBe(expected);
    }
  });
});

describe('the BatchTransform contract against the SageMaker API model', () => {
  const base = {
    model: { name: 'm' },
    input: { s3Prefix: 's3://data/in/', splitType: 'Line' },
    output: { s3Prefix: 's3://data/out/' },
  };
  const accepts = (overrides: Record<string, unknown>) =>
    BatchTransformInput.safeParse({ ...base, ...overrides }).success;

  it.each([
    ['maxPayloadInMB', 'MaxPayloadInMB', (v: number) => ({ maxPayloadInMB: v })],
    ['maxConcurrentTransforms', 'MaxConcurrentTransforms', (v: number) => ({ maxConcurrentTransforms: v })],
    ['instanceCount', 'TransformInstanceCount', (v: number) => ({ instanceCount: v })],
    [
      'modelClientConfig.invocationsTimeoutInSeconds',
      'InvocationsTimeoutInSeconds',
      (v: number) => ({ modelClientConfig: { invocationsTimeoutInSeconds: v } }),
    ],
    [
      'modelClientConfig.invocationsMaxRetries',
      'InvocationsMaxRetries',
      (v: number) => ({ modelClientConfig: { invocationsMaxRetries: v } }),
    ],
  ])('accepts the range of %s that %s allows', (_field, shapeName, set) => {
    const { min, max } = shape(shapeName as string);
    expect(min).toBeDefined();
    expect(accepts(set(min as number))).toBe(true);
    expect(accepts(set((min as number) - 1))).toBe(false);
    // SageMaker documents MaxPayloadInMB <= 100 (the model states no maximum).
    const upper = shapeName === 'MaxPayloadInMB' ? 100 : max;
    if (upper !== undefined) {
      expect(accepts(set(upper))).toBe(true);
      expect(accepts(set(upper + 1))).toBe(false);
    }
  });

  it('offers exactly the split, assembly, strategy and join values of the API', () => {
    const supported = (shape('SplitType').enum ?? []).filter((v) => v !== 'TFRecord');
    for (const splitType of supported) expect(accepts({ input: { ...base.input, splitType } })).toBe(true);
    for (const assembleWith of shape('AssemblyType').enum ?? [])
      expect(accepts({ output: { ...base.output, assembleWith } })).toBe(true);
    for (const batchStrategy of shape('BatchStrategy').enum ?? []) expect(accepts({ batchStrategy })).toBe(true);
    for (const joinSource of shape('JoinSource').enum ?? [])
      expect(accepts({ dataProcessing: { joinSource } })).toBe(true);
  });

  it('limits filters and the environment to the API lengths', () => {
    const pathMax = shape('JsonPath').max as number;
    expect(accepts({ dataProcessing: { inputFilter: `$${'a'.repeat(pathMax - 1)}` } })).toBe(true);
    expect(accepts({ dataProcessing: { inputFilter: `$${'a'.repeat(pathMax)}` } })).toBe(false);
    const envMax = shape('TransformEnvironmentMap').max as number;
    const env = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, 'v']));
    expect(accepts({ environment: env(envMax) })).toBe(true);
    expect(accepts({ environment: env(envMax + 1) })).toBe(false);
  });
});

describe("the contracts' shared values against the SageMaker API model", () => {
  it('offer exactly the instance types of each operation, in the API model', () => {
    expect([...HOSTING_INSTANCE_TYPES]).toEqual(shape('ProductionVariantInstanceType').enum);
    expect([...TRANSFORM_INSTANCE_TYPES]).toEqual(shape('TransformInstanceType').enum);
  });

  it('state the environment limits of a model and of a transform job as the API model does', () => {
    expect(MODEL_ENVIRONMENT.maxVariables).toBe(shape('EnvironmentMap').max);
    expect(MODEL_ENVIRONMENT.maxEntryBytes).toBe(shape('EnvironmentKey').max);
    expect(MODEL_ENVIRONMENT.maxEntryBytes).toBe(shape('EnvironmentValue').max);
    expect(TRANSFORM_ENVIRONMENT.maxVariables).toBe(shape('TransformEnvironmentMap').max);
    expect(TRANSFORM_ENVIRONMENT.maxKeyLength).toBe(shape('TransformEnvironmentKey').max);
    expect(TRANSFORM_ENVIRONMENT.maxValueLength).toBe(shape('TransformEnvironmentValue').max);
  });

  it("leaves room in SageMaker's tag limit for every tag the project adds to the user's", () => {
    const ours = new Set([...Object.values(TagKeys), ...Object.values(BatchTagKeys)]);

    expect(MAX_TAGS_PER_RESOURCE).toBe(shape('TagList').max);
    expect(MAX_USER_TAGS + ours.size).toBeLessThanOrEqual(MAX_TAGS_PER_RESOURCE);
  });
});
