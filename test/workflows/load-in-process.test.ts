/**
 * What the fault matrix runs the load-test workflows on: the ScriptedSageMaker answering CloudWatch and Service
 * Quotas with the emulator's own code, and the load generator's signed requests answered in process on a simulated
 * clock (load-in-process.ts), with the GenerateLoad step's own code unchanged.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerResult } from '../../contracts/parts/load-test.ts';
import { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { LatencyHistogram } from '../../tasks/_shared/latency-histogram.ts';
import { handler } from '../../tasks/generate-load/handler.ts';
import type { GenerateLoadState } from '../../tasks/generate-load/load-worker.ts';
import { answerLoadInProcess } from './load-in-process.ts';

const START = Date.parse('2026-11-25T09:00:00Z');
const BUCKET = 'load-in-process-artifacts';

/** One worker of a 5 s step of two users, starting 2 s from now, on `endpointName`. */
function workerState(endpointName: string): GenerateLoadState {
  return {
    request: {
      endpointName,
      samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }],
      options: { requestTimeoutSeconds: 60 },
    },
    invocations: { samples: [{ sample: 0, weight: 1, bytes: 3 }] },
    resultsPrefix: 'load-tests/in-process/',
    step: { index: 0, users: 2, initialUsers: 2, spawnRate: 0, durationSeconds: 5 },
    slice: { index: 0, startSecond: 0, seconds: 5, startAt: START + 2000 },
    worker: { index: 0, of: 1, budget: 1_000_000 },
    windowSeconds: 1,
  };
}

async function readResult(aws: ScriptedSageMaker, uri: string): Promise<WorkerResult> {
  const key = uri.replace(`s3://${BUCKET}/`, '');
  expect(aws.objects.keys()).toContain(`${BUCKET}/${key}`);
  const out = await new S3Client({}).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await out.Body?.transformToString()) ?? 'null') as WorkerResult;
}

describe('the load-test workflows in process', () => {
  let aws: ScriptedSageMaker;
  let restoreTransport: () => void;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'scripted');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'scripted');
    vi.stubEnv('ARTIFACT_BUCKET_NAME', BUCKET);
    aws = new ScriptedSageMaker();
    aws.install();
    restoreTransport = answerLoadInProcess(aws, {
      latencyMs: 200,
      moveTime: (ms) => {
        if (ms > Date.now()) vi.setSystemTime(ms);
      },
    });
  });

  afterEach(() => {
    restoreTransport();
    aws.restore();
    vi.unstubAllEnvs();
    vi.useRealTimers();
  });

  it("answers GetMetricData from what the double's runtime served, and Service Quotas' instance quotas", async () => {
    aws.seedEndpoint('metered', 'metered-config', 'metered-model');
    const runtime = new SageMakerRuntimeClient({});
    for (let i = 0; i < 3; i++) {
      await runtime.send(new InvokeEndpointCommand({ EndpointName: 'metered', ContentType: 'text/csv', Body: '1,2' }));
    }

    const metrics = await new CloudWatchClient({}).send(
      new GetMetricDataCommand({
        StartTime: new Date(START - 60_000),
        EndTime: new Date(START + 60_000),
        MetricDataQueries: [
          {
            Id: 'invocations',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SageMaker',
                MetricName: 'Invocations',
                Dimensions: [
                  { Name: 'EndpointName', Value: 'metered' },
                  { Name: 'VariantName', Value: 'AllTraffic' },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const quotas = await new ServiceQuotasClient({}).send(new ListServiceQuotasCommand({ ServiceCode: 'sagemaker' }));

    expect(metrics.MetricDataResults?.[0]).toMatchObject({ Values: [3], StatusCode: 'Complete' });
    expect(metrics.MetricDataResults?.[0]?.Timestamps?.[0]).toEqual(new Date(START));
    expect(quotas.Quotas?.find((q) => q.QuotaName === 'ml.m5.large for endpoint usage')).toMatchObject({
      ServiceCode: 'sagemaker',
      Unit: 'None',
    });
  });

  it("runs a worker's slice on its simulated clock: each user one request at a time, 200 ms each, until the end", async () => {
    aws.seedEndpoint('loaded', 'loaded-config', 'loaded-model');

    const output = await handler(workerState('loaded'));

    // Two users, 200 ms a request, for 5 s from the worker's start (a slice of one worker starts at once, with no
    // lead): 24 answers each (the 25th lands on the end and does not count).
    expect(output).toMatchObject({ requests: 48, succeeded: 48, lateStartMs: 0 });
    const result = await readResult(aws, output.resultUri);
    expect(result).toMatchObject({ startedAt: START, endedAt: START + 5000, statuses: { '200': 48 } });
    expect(LatencyHistogram.from(result.latency).percentile(95)).toBe(200_000);
    expect(aws.invocations.filter((i) => i.endpoint === 'loaded')).toHaveLength(50);
    // The process's Date moved with the worker's clock, so the steps after it see the slice as passed.
    expect(Date.now()).toBe(START + 5000);
  });

  it("classifies the runtime's refusals as a user's requests meet them, by SageMaker's error code", async () => {
    const output = await handler(workerState('missing'));

    const result = await readResult(aws, output.resultUri);
    expect(result).toMatchObject({
      requests: 48,
      succeeded: 0,
      errors: { ValidationError: 48 },
      statuses: { '400': 48 },
    });
  });

  it("keeps the figures of a worker's first attempt when a retry of it comes after the slice", async () => {
    aws.seedEndpoint('retried', 'retried-config', 'retried-model');
    const first = await handler(workerState('retried'));

    // Step Functions retries the worker when the first attempt's result is lost: its slice has ended by then.
    const retry = await handler(workerState('retried'));

    expect(retry).toEqual(first);
    expect((await readResult(aws, first.resultUri)).requests).toBe(48);
  });
});
