import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  DescribeEndpointCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clients,
  errorOf,
  LINEAR_IMAGE,
  startTestEmulator,
  tempStateDir,
  uploadLinearModel,
  waitForEndpoint,
} from './helpers.ts';

const ECHO_IMAGE = 'public.ecr.aws/acme/smwf-examples/echo:latest';
/** How long the slow echo model holds each answer: long enough for concurrent requests to overlap. */
const SLOW_ANSWER_MS = 1500;

describe('emulated serverless variants and data capture', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let sagemaker: SageMakerClient;
  let runtime: SageMakerRuntimeClient;
  let s3: S3Client;
  let modelUri: string;

  const serverless = (extra: Record<string, unknown> = {}) => ({
    VariantName: 'AllTraffic',
    ModelName: 'linear',
    ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 2, ...extra },
  });
  const capture = (extra: Record<string, unknown> = {}) => ({
    InitialSamplingPercentage: 100,
    DestinationS3Uri: 's3://capture-bucket/datacapture',
    CaptureOptions: [{ CaptureMode: 'InputAndOutput' as const }],
    CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json'] },
    ...extra,
  });

  async function createConfig(name: string, input: Omit<CreateEndpointConfigCommandInput, 'EndpointConfigName'>) {
    return sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ...input }));
  }

  async function deployConfig(name: string, input: Omit<CreateEndpointConfigCommandInput, 'EndpointConfigName'>) {
    await createConfig(name, input);
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
    const endpoint = await waitForEndpoint(sagemaker, name);
    expect(endpoint.EndpointStatus).toBe('InService');
    return endpoint;
  }

  function invokeCsv(endpointName: string, inferenceId?: string) {
    return runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: 'text/csv',
        Accept: 'application/json',
        Body: '1,2',
        ...(inferenceId !== undefined ? { InferenceId: inferenceId } : {}),
      }),
    );
  }

  async function captureFiles(prefix: string) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'capture-bucket', Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    const lines = await Promise.all(
      keys.map(async (Key) => {
        const out = await s3.send(new GetObjectCommand({ Bucket: 'capture-bucket', Key }));
        return (await out.Body?.transformToString()) ?? '';
      }),
    );
    return {
      keys,
      records: lines.flatMap((text) =>
        text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ),
    };
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({ startupTimeoutSeconds: 5 });
    // One attempt: the test sees every throttle itself, not the SDK's retries.
    ({ sagemaker, runtime, s3 } = clients(emulator.url, 1));
    modelUri = await uploadLinearModel(s3, 'models', 'linear/model.tar.gz', [1, 1], 0);
    await s3.send(new CreateBucketCommand({ Bucket: 'capture-bucket' }));
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'linear',
        PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: modelUri },
      }),
    );
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it.each([
    [
      'memory off the 1 GB steps',
      [serverless({ MemorySizeInMB: 1500 })],
      undefined,
      'MemorySizeInMB 1500 is not valid',
    ],
    [
      'provisioned above max concurrency',
      [serverless({ MaxConcurrency: 2, ProvisionedConcurrency: 3 })],
      undefined,
      'ProvisionedConcurrency (3) must be less than or equal to MaxConcurrency (2)',
    ],
    ['data capture', [serverless()], capture(), 'serverless endpoints do not support data capture'],
    [
      'a second variant',
      [
        serverless(),
        { VariantName: 'Other', ModelName: 'linear', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      undefined,
      'a serverless endpoint configuration takes exactly one production variant',
    ],
    ['an instance-only member', [{ ...serverless(), VolumeSizeInGB: 10 }], undefined, 'cannot specify VolumeSizeInGB'],
  ] as const)('refuses a serverless config with %s', async (_case, variants, dataCapture, message) => {
    const error = await errorOf(
      createConfig(`refused-${_case.replace(/\W+/g, '-')}`, {
        ProductionVariants: variants as never,
        ...(dataCapture ? { DataCaptureConfig: dataCapture } : {}),
      }),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain(message);
  });

  it('refuses a serverless variant of a model in a VPC or with network isolation', async () => {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'isolated',
        PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: modelUri },
        EnableNetworkIsolation: true,
      }),
    );
    const error = await errorOf(
      createConfig('isolated', { ProductionVariants: [{ ...serverless(), ModelName: 'isolated' }] }),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('network isolation (EnableNetworkIsolation)');
  });

  it('refuses a KMS key for capture files, which it cannot honour', async () => {
    const error = await errorOf(
      createConfig('capture-kms', {
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'linear', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
        DataCaptureConfig: capture({ KmsKeyId: 'alias/capture' }),
      }),
    );
    expect(error.name).toBe('UnknownOperationException');
    expect(error.message).toContain('KmsKeyId');
  });

  it('throttles invocations beyond MaxConcurrency with ThrottlingException, and serves again once one ends', async () => {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'slow-echo',
        PrimaryContainer: { Image: ECHO_IMAGE, Environment: { SMWF_ECHO_DELAY_MS: String(SLOW_ANSWER_MS) } },
      }),
    );
    await deployConfig('slow-serverless', {
      ProductionVariants: [{ ...serverless({ MaxConcurrency: 2 }), ModelName: 'slow-echo' }],
    });
    const invoke = () =>
      runtime.send(
        new InvokeEndpointCommand({ EndpointName: 'slow-serverless', ContentType: 'text/plain', Body: 'x' }),
      );

    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, invoke));

    const served = outcomes.filter((o) => o.status === 'fulfilled');
    const throttled = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [o.reason as Error & { $metadata: { httpStatusCode?: number } }] : [],
    );
    expect(served).toHaveLength(2);
    expect(throttled).toHaveLength(3);
    for (const error of throttled) {
      expect(error.name).toBe('ThrottlingException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toContain('MaxConcurrency of 2');
    }
    await expect(invoke()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });

  it('refuses to update an instance-based endpoint to serverless, and allows serverless to instance-based', async () => {
    await deployConfig('instance-first', {
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: 'linear', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
    });
    await createConfig('to-serverless', { ProductionVariants: [serverless()] });
    const error = await errorOf(
      sagemaker.send(
        new UpdateEndpointCommand({ EndpointName: 'instance-first', EndpointConfigName: 'to-serverless' }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('an instance-based endpoint cannot be updated to serverless');

    await deployConfig('serverless-first', { ProductionVariants: [serverless()] });
    await createConfig('to-instances', {
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: 'linear', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
    });
    await sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: 'serverless-first', EndpointConfigName: 'to-instances' }),
    );
    const updated = await waitForEndpoint(sagemaker, 'serverless-first');
    expect(updated).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'to-instances' });
  });

  it('writes a capture record per invocation in SageMaker key layout and line shape, InferenceId included', async () => {
    const endpoint = await deployConfig('captured', {
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: 'linear', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      DataCaptureConfig: capture(),
    });
    expect(endpoint.DataCaptureConfig).toMatchObject({
      EnableCapture: true,
      CaptureStatus: 'Started',
      CurrentSamplingPercentage: 100,
      DestinationS3Uri: 's3://capture-bucket/datacapture',
    });

    const answer = await invokeCsv('captured', 'inference-1');
    await invokeCsv('captured');

    const { keys, records } = await captureFiles('datacapture/captured/');
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatch(
        /^datacapture\/captured\/AllTraffic\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}-\d{2}-\d{3}-[0-9a-f-]{36}\.jsonl$/,
      );
    }
    const first = records.find((r) => r.eventMetadata.inferenceId === 'inference-1');
    expect(first).toEqual({
      captureData: {
        endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: '1,2', encoding: 'CSV' },
        endpointOutput: {
          observedContentType: 'application/json',
          mode: 'OUTPUT',
          data: new TextDecoder().decode(answer.Body),
          encoding: 'JSON',
        },
      },
      eventMetadata: { eventId: expect.any(String), inferenceId: 'inference-1', inferenceTime: expect.any(String) },
      eventVersion: '0',
    });
    expect(records.filter((r) => r.eventMetadata.inferenceId === undefined)).toHaveLength(1);
  });

  it('samples exactly the percentage asked, encodes unlisted types base64 and captures only the modes asked', async () => {
    await deployConfig('half-captured', {
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: 'linear', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      DataCaptureConfig: capture({
        InitialSamplingPercentage: 50,
        CaptureOptions: [{ CaptureMode: 'Input' }],
        CaptureContentTypeHeader: { JsonContentTypes: ['application/json'] },
      }),
    });
    for (let i = 0; i < 4; i++) await invokeCsv('half-captured', `half-${i}`);

    const { records } = await captureFiles('datacapture/half-captured/');
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(Object.keys(record.captureData)).toEqual(['endpointInput']);
      expect(record.captureData.endpointInput).toEqual({
        observedContentType: 'text/csv',
        mode: 'INPUT',
        data: Buffer.from('1,2').toString('base64'),
        encoding: 'BASE64',
      });
    }
  });

  it('captures nothing at 0 % or with capture disabled, and says Stopped when disabled', async () => {
    const variants = [
      { VariantName: 'AllTraffic', ModelName: 'linear', InstanceType: 'ml.m5.large' as const, InitialInstanceCount: 1 },
    ];
    await deployConfig('never-sampled', {
      ProductionVariants: variants,
      DataCaptureConfig: capture({ InitialSamplingPercentage: 0 }),
    });
    const disabled = await deployConfig('capture-off', {
      ProductionVariants: variants,
      DataCaptureConfig: capture({ EnableCapture: false }),
    });
    expect(disabled.DataCaptureConfig).toMatchObject({ EnableCapture: false, CaptureStatus: 'Stopped' });
    for (let i = 0; i < 3; i++) {
      await invokeCsv('never-sampled');
      await invokeCsv('capture-off');
    }

    expect((await captureFiles('datacapture/never-sampled/')).keys).toEqual([]);
    expect((await captureFiles('datacapture/capture-off/')).keys).toEqual([]);
    const described = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'never-sampled' }));
    expect(described.DataCaptureConfig).toMatchObject({ CaptureStatus: 'Started', CurrentSamplingPercentage: 0 });
  });

  it('keeps capturing after an emulator restart on the same state directory', async () => {
    const stateDir = await tempStateDir();
    const first = await startTestEmulator({ stateDir, startupTimeoutSeconds: 5 });
    try {
      const before = clients(first.url, 1);
      const uri = await uploadLinearModel(before.s3, 'models', 'm/model.tar.gz', [1, 1], 0);
      await before.s3.send(new CreateBucketCommand({ Bucket: 'capture-bucket' }));
      await before.sagemaker.send(
        new CreateModelCommand({ ModelName: 'durable', PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: uri } }),
      );
      await before.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'durable',
          ProductionVariants: [
            { VariantName: 'AllTraffic', ModelName: 'durable', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
          ],
          DataCaptureConfig: capture(),
        }),
      );
      await before.sagemaker.send(
        new CreateEndpointCommand({ EndpointName: 'durable', EndpointConfigName: 'durable' }),
      );
      expect((await waitForEndpoint(before.sagemaker, 'durable')).EndpointStatus).toBe('InService');
    } finally {
      await first.stop();
    }

    const second = await startTestEmulator({ stateDir, startupTimeoutSeconds: 5 });
    try {
      const after = clients(second.url, 1);
      await after.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'durable',
          ContentType: 'text/csv',
          Body: '1,2',
          InferenceId: 'after',
        }),
      );

      const listed = await after.s3.send(
        new ListObjectsV2Command({ Bucket: 'capture-bucket', Prefix: 'datacapture/durable/AllTraffic/' }),
      );
      expect(listed.Contents ?? []).toHaveLength(1);
      const described = await after.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'durable' }));
      expect(described.DataCaptureConfig).toMatchObject({ CaptureStatus: 'Started', CurrentSamplingPercentage: 100 });
    } finally {
      await second.stop();
    }
  });
});
