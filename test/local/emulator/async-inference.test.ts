import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointAsyncCommand, InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../local/emulator/index.ts';
import {
  clients,
  deployModel,
  errorOf,
  LINEAR_IMAGE,
  startTestEmulator,
  tempStateDir,
  uploadLinearModel,
  waitForEndpoint,
} from './helpers.ts';

const SUCCESS_TOPIC = 'arn:aws:sns:us-east-1:123456789012:async-success';
const ERROR_TOPIC = 'arn:aws:sns:us-east-1:123456789012:async-errors';

/** Polls S3 until the object exists (bounded), and returns its text. */
async function objectText(s3: S3Client, uri: string, timeoutMs = 15_000): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3 URI: ${uri}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
      return (await out.Body?.transformToString()) ?? '';
    } catch (err) {
      if ((err as Error).name !== 'NoSuchKey') throw err;
      if (Date.now() > deadline) throw new Error(`${uri} not written after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Creates model, async endpoint config and endpoint `name` and waits until it settles. */
async function deployAsync(
  sagemaker: SageMakerClient,
  name: string,
  modelDataUrl: string,
  asyncConfig: CreateEndpointConfigCommandInput['AsyncInferenceConfig'],
  environment: Record<string, string> = {},
) {
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: modelDataUrl, Environment: environment },
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: name, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      AsyncInferenceConfig: asyncConfig,
    }),
  );
  await sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  return waitForEndpoint(sagemaker, name);
}

describe('emulator asynchronous inference', () => {
  let emulator: Emulator;
  let c: ReturnType<typeof clients>;
  let modelUri: string;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    c = clients(emulator.url, 1);
    modelUri = await uploadLinearModel(c.s3, 'models', 'linear/model.tar.gz', [1, 1], 0);
    await c.s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'in/a.csv', Body: '2,3' }));
  }, 30_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it('answers 202 with the locations, writes the output and publishes the notifications', async () => {
    const described = await deployAsync(c.sagemaker, 'async-ok', modelUri, {
      OutputConfig: {
        S3OutputPath: 's3://models/async-out/',
        S3FailurePath: 's3://models/async-failed',
        NotificationConfig: {
          SuccessTopic: SUCCESS_TOPIC,
          ErrorTopic: ERROR_TOPIC,
          IncludeInferenceResponseIn: ['SUCCESS_NOTIFICATION_TOPIC'],
        },
      },
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 2 },
    });

    const accepted = await c.runtime.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: 'async-ok',
        InputLocation: 's3://models/in/a.csv',
        ContentType: 'text/csv',
        Accept: 'text/csv',
        InferenceId: 'first-request',
      }),
    );
    const output = await objectText(c.s3, accepted.OutputLocation ?? '');
    const messages = (await emulator.readNotifications()).map((n) => ({
      topic: n.TopicArn,
      ...JSON.parse(n.Message),
    }));

    expect(described.EndpointStatus).toBe('InService');
    expect(described.AsyncInferenceConfig?.ClientConfig?.MaxConcurrentInvocationsPerInstance).toBe(2);
    expect(accepted.$metadata.httpStatusCode).toBe(202);
    expect(accepted.InferenceId).toBe('first-request');
    expect(accepted.OutputLocation).toBe('s3://models/async-out/first-request.out');
    expect(accepted.FailureLocation).toBe('s3://models/async-failed/first-request-error.out');
    expect(output.trim()).toBe('5');
    expect(messages.filter((m) => m.eventName === 'TestNotification').map((m) => m.topic)).toEqual([
      SUCCESS_TOPIC,
      ERROR_TOPIC,
    ]);
    const result = messages.find((m) => m.eventName === 'InferenceResult');
    expect(result).toMatchObject({
      topic: SUCCESS_TOPIC,
      invocationStatus: 'Completed',
      inferenceId: 'first-request',
      eventSource: 'aws:sagemaker',
      eventVersion: '1.0',
      requestParameters: { contentType: 'text/csv', endpointName: 'async-ok', inputLocation: 's3://models/in/a.csv' },
      responseParameters: { outputLocation: 's3://models/async-out/first-request.out' },
      responseBody: { encoding: 'UTF-8' },
    });
    expect(result.responseBody.content.trim()).toBe('5');

    // An InputLocation given as the object's S3 https:// URL reads the same object.
    const byUrl = await c.runtime.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: 'async-ok',
        InputLocation: 'https://models.s3.us-east-1.amazonaws.com/in/a.csv',
        ContentType: 'text/csv',
        InferenceId: 'by-url',
      }),
    );
    expect((await objectText(c.s3, byUrl.OutputLocation ?? '')).trim()).toBe('5');
  });

  it('refuses InvokeEndpoint on an asynchronous endpoint and InvokeEndpointAsync on a real-time one', async () => {
    await deployModel(c.sagemaker, 'realtime', {
      PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: modelUri },
    });

    const syncOnAsync = await errorOf(
      c.runtime.send(new InvokeEndpointCommand({ EndpointName: 'async-ok', ContentType: 'text/csv', Body: '1,2' })),
    );
    const asyncOnSync = await errorOf(
      c.runtime.send(
        new InvokeEndpointAsyncCommand({ EndpointName: 'realtime', InputLocation: 's3://models/in/a.csv' }),
      ),
    );

    expect(syncOnAsync.name).toBe('ValidationError');
    expect(syncOnAsync.message).toContain('is an asynchronous inference endpoint: invoke it with InvokeEndpointAsync');
    expect(asyncOnSync.name).toBe('ValidationError');
    expect(asyncOnSync.message).toContain('is not an asynchronous inference endpoint');
  });

  it('validates the request headers against the API model', async () => {
    const badTtl = await errorOf(
      c.runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: 'async-ok',
          InputLocation: 's3://models/in/a.csv',
          RequestTTLSeconds: 30,
        }),
      ),
    );
    const badLocation = await errorOf(
      c.runtime.send(new InvokeEndpointAsyncCommand({ EndpointName: 'async-ok', InputLocation: 'ftp://models/x' })),
    );

    expect(badTtl.name).toBe('ValidationError');
    expect(badTtl.message).toContain("at 'requestTTLSeconds' failed to satisfy constraint");
    expect(badLocation.message).toContain("at 'inputLocation' failed to satisfy constraint");
  });

  it('writes a failing request to the failure location and publishes the error notification', async () => {
    await deployAsync(
      c.sagemaker,
      'async-broken',
      modelUri,
      { OutputConfig: { S3OutputPath: 's3://models/broken-out', NotificationConfig: { ErrorTopic: ERROR_TOPIC } } },
      { SMWF_EXAMPLE_FAULT: 'fail-invocations' },
    );

    const accepted = await c.runtime.send(
      new InvokeEndpointAsyncCommand({ EndpointName: 'async-broken', InputLocation: 's3://models/in/a.csv' }),
    );
    const failure = await objectText(c.s3, accepted.FailureLocation ?? '');
    const errorMessage = (await emulator.readNotifications())
      .map((n) => JSON.parse(n.Message))
      .find((m) => m.inferenceId === accepted.InferenceId);

    expect(accepted.FailureLocation).toBe(`s3://models/broken-out/${accepted.InferenceId}-error.out`);
    expect(failure).toContain('Received server error (500) from model with message "injected failure"');
    expect(errorMessage).toMatchObject({
      invocationStatus: 'Failed',
      failureLocation: accepted.FailureLocation,
    });
    expect(errorMessage.failureReason).toContain('Received server error (500)');
  });

  it('refuses async with serverless variants, and an update that adds or removes async', async () => {
    await c.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'plain',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'realtime', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );

    const serverless = await errorOf(
      c.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'async-serverless',
          ProductionVariants: [
            {
              VariantName: 'AllTraffic',
              ModelName: 'realtime',
              ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 1 },
            },
          ],
          AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://models/out' } },
        }),
      ),
    );
    const removal = await errorOf(
      c.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'async-ok', EndpointConfigName: 'plain' })),
    );
    const stillAsync = await c.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'async-ok' }));

    expect(serverless.name).toBe('ValidationException');
    expect(serverless.message).toContain('serverless endpoints do not support asynchronous inference');
    expect(removal.message).toContain('The AsyncInferenceConfig parameter cannot be removed from this endpoint');
    expect(stillAsync.EndpointConfigName).toBe('async-ok');
  });

  it('fails requests still queued when their endpoint is deleted', async () => {
    await deployAsync(
      c.sagemaker,
      'async-deleted',
      modelUri,
      {
        OutputConfig: { S3OutputPath: 's3://models/deleted-out' },
        ClientConfig: { MaxConcurrentInvocationsPerInstance: 1 },
      },
      { SMWF_EXAMPLE_SERVICE_MS: '500' },
    );
    const invoke = () =>
      c.runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: 'async-deleted',
          InputLocation: 's3://models/in/a.csv',
          ContentType: 'text/csv',
        }),
      );
    await invoke();
    const queued = await invoke();

    await c.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'async-deleted' }));
    const failure = await objectText(c.s3, queued.FailureLocation ?? '');

    expect(failure).toMatch(/Endpoint async-deleted was deleted|An exception occurred while sending the request/);
  });
});

describe('emulator asynchronous inference across a restart', () => {
  const running: { stop(): Promise<void> }[] = [];

  afterAll(async () => {
    await Promise.all(running.map((e) => e.stop()));
  });

  it('completes every accepted request after the emulator restarts on the same state directory', async () => {
    const stateDir = await tempStateDir();
    const first = await startTestEmulator({ stateDir });
    running.push(first);
    const before = clients(first.url, 1);
    const modelUri = await uploadLinearModel(before.s3, 'models', 'linear/model.tar.gz', [1, 1], 0);
    await before.s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'in/a.csv', Body: '2,3' }));
    await deployAsync(
      before.sagemaker,
      'durable-async',
      modelUri,
      { OutputConfig: { S3OutputPath: 's3://models/out' }, ClientConfig: { MaxConcurrentInvocationsPerInstance: 1 } },
      { SMWF_EXAMPLE_SERVICE_MS: '400' },
    );
    const accepted = [];
    for (let i = 0; i < 3; i++) {
      accepted.push(
        await before.runtime.send(
          new InvokeEndpointAsyncCommand({
            EndpointName: 'durable-async',
            InputLocation: 's3://models/in/a.csv',
            ContentType: 'text/csv',
          }),
        ),
      );
    }
    await first.stop();
    const queuedAtStop = await readdir(join(stateDir, 'async-queue'));

    const second = await startTestEmulator({ stateDir });
    running.push(second);
    const after = clients(second.url, 1);
    const outputs = await Promise.all(accepted.map((a) => objectText(after.s3, a.OutputLocation ?? '', 20_000)));

    expect(queuedAtStop.length).toBeGreaterThan(0);
    expect(outputs.map((o) => o.trim())).toEqual(['5', '5', '5']);
  }, 60_000);
});
