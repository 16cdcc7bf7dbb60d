/**
 * The load-test steps around the generators: PrepareLoadTest and ResolveLoadSamples refuse what the endpoint shows
 * to be wrong, GuardLiveTraffic refuses recent traffic, JudgeLoadStep merges, judges and plans, and ReportLoadTest
 * reads SageMaker's figures with GetMetricData (aws-sdk-client-mock in place of CloudWatch).
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointBusyError, InvalidInputError } from '../../contracts/errors.ts';
import type { LoadStepSummary, WorkerResult } from '../../contracts/parts/load-test.ts';
import { readEndpointMetrics } from '../../tasks/_shared/endpoint-metrics.ts';
import { LatencyHistogram } from '../../tasks/_shared/latency-histogram.ts';
import { type LoadTestProgress, planRun, workerResultKey } from '../../tasks/_shared/load-test-state.ts';
import type { SageMakerGateway } from '../../tasks/_shared/sagemaker.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import { guardLiveTraffic } from '../../tasks/guard-live-traffic/guard-live-traffic.ts';
import { type JudgedRequest, judgeLoadStep } from '../../tasks/judge-load-step/judge-load-step.ts';
import { prepareLoadTest } from '../../tasks/prepare-load-test/prepare-load-test.ts';
import { handler as reportHandler } from '../../tasks/report-load-test/handler.ts';
import { resolveLoadSamples } from '../../tasks/resolve-load-samples/resolve-load-samples.ts';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const ENDPOINT_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn';

const request = {
  endpointName: 'churn',
  samples: [{ body: '1,2', contentType: 'text/csv', weight: 1 }],
  pattern: { stairs: { usersPerStep: 5, steps: 3, stepSeconds: 60 } },
  stoppingConditions: { latencyThreshold: { percentile: 'P95' as const, valueMs: 100 }, maxErrorRate: 0.01 },
  caps: { maxPatternSeconds: 3600, maxTotalInvocations: 1000 },
  options: { usersPerWorker: 2, startLeadSeconds: 5, windowSeconds: 10, metricsPeriodSeconds: 60 },
  liveTrafficGuard: { lookbackMinutes: 10, maxRecentInvocations: 0 },
};

type Model = NonNullable<Awaited<ReturnType<SageMakerGateway['describeModel']>>>;

/** A gateway over one endpoint of one variant serving `model`. */
function endpointOf(model: Partial<Model>, overrides: { status?: string; async?: boolean; serverless?: boolean } = {}) {
  return {
    describeEndpoint: async (name: string) =>
      name === 'churn'
        ? { name, arn: ENDPOINT_ARN, status: overrides.status ?? 'InService', configName: 'churn-config' }
        : undefined,
    describeEndpointConfig: async () => ({
      EndpointConfigName: 'churn-config',
      EndpointConfigArn: 'arn:config',
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: 'churn-model',
          ...(overrides.serverless
            ? { ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } }
            : { InstanceType: 'ml.m5.large' as const, InitialInstanceCount: 2 }),
        },
      ],
      ...(overrides.async ? { AsyncInferenceConfig: { OutputConfig: {} } } : {}),
    }),
    describeModel: async () => ({
      ModelName: 'churn-model',
      ModelArn: 'arn:model',
      ExecutionRoleArn: 'arn:role',
      ...model,
    }),
  };
}

const single = endpointOf({ PrimaryContainer: { Image: 'img' } });
const prepare = (overrides: Record<string, unknown> = {}, sagemaker = single) =>
  prepareLoadTest(
    { loadTest: { request: { ...request, ...overrides } }, execution: { name: 'run-1' } },
    { sagemaker, now: () => NOW },
  );

describe('PrepareLoadTest', () => {
  it('records the variants and plans the first step: ceil(users / usersPerWorker) workers sharing the budget', async () => {
    const state = await prepare();

    expect(state.loadTest).toMatchObject({
      endpointArn: ENDPOINT_ARN,
      resultsPrefix: 'load-tests/run-1/churn/',
      variants: [{ variantName: 'AllTraffic', instanceType: 'ml.m5.large', instanceCount: 2, serverless: false }],
      budgetRemaining: 1000,
      steps: [],
      done: false,
    });
    expect(state.loadTest.next).toMatchObject({
      step: { index: 0, users: 5 },
      slice: { index: 0, startSecond: 0, seconds: 60, startAt: NOW + 5000 },
      workerCount: 3,
      distributed: false,
    });
    expect(state.loadTest.next.workers.map((w) => w.budget)).toEqual([334, 333, 333]);
  });

  it('plans a step of one worker to start at once: no other worker to wait for', async () => {
    const state = await prepare({ pattern: { stairs: { usersPerStep: 2, steps: 3, stepSeconds: 60 } } });

    expect(state.loadTest.next).toMatchObject({
      step: { index: 0, users: 2 },
      workerCount: 1,
      slice: { startAt: NOW },
    });
  });

  it.each([
    [{ endpointName: 'gone' }, single, 'endpointName: endpoint gone does not exist'],
    [{}, endpointOf({ PrimaryContainer: { Image: 'i' } }, { status: 'Failed' }), 'endpoint churn is Failed'],
    [{}, endpointOf({ PrimaryContainer: { Image: 'i' } }, { async: true }), 'endpoint churn is asynchronous'],
    [{ targetVariant: 'Canary' }, single, 'targetVariant: endpoint churn has no variant Canary (it has AllTraffic)'],
    [{}, endpointOf({ PrimaryContainer: { Image: 'i', Mode: 'MultiModel' } }), 'targetModels: variant AllTraffic'],
    [{ targetModels: [{ targetModel: 'a.tar.gz', weight: 1 }] }, single, 'is not multi-model and takes no TargetModel'],
    [
      {},
      endpointOf({
        Containers: [{ ContainerHostname: 'pre' }, { ContainerHostname: 'model' }],
        InferenceExecutionConfig: { Mode: 'Direct' },
      }),
      'targetContainerHostname: variant AllTraffic of churn invokes its containers one by one (Direct)',
    ],
    [
      { targetContainerHostname: 'post' },
      endpointOf({
        Containers: [{ ContainerHostname: 'pre' }, { ContainerHostname: 'model' }],
        InferenceExecutionConfig: { Mode: 'Direct' },
      }),
      'has no container post (it has pre, model)',
    ],
    [{ targetContainerHostname: 'pre' }, single, 'is not a multi-container endpoint invoked per container (Direct)'],
  ])('refuses %j on this endpoint with InvalidInputError naming the field', async (overrides, sagemaker, message) => {
    await expect(prepare(overrides, sagemaker)).rejects.toThrow(InvalidInputError);
    await expect(prepare(overrides, sagemaker)).rejects.toThrow(message);
  });

  it('waits for an endpoint that is still Updating: EndpointBusyError, which the state machine retries', async () => {
    await expect(prepare({}, endpointOf({ PrimaryContainer: { Image: 'i' } }, { status: 'Updating' }))).rejects.toThrow(
      EndpointBusyError,
    );
  });
});

describe('ResolveLoadSamples', () => {
  const objects = [
    { key: 'samples/', size: 0, etag: '', lastModified: new Date() },
    { key: 'samples/a.bin', size: 100, etag: '', lastModified: new Date() },
    { key: 'samples/b.bin', size: 5 * 1024 * 1024, etag: '', lastModified: new Date() },
  ];
  const resolve = (serverless: boolean, samples = request.samples as unknown[]) =>
    resolveLoadSamples(
      {
        loadTest: {
          request: { samples: samples as never },
          variants: [{ variantName: 'AllTraffic', serverless }],
        },
      },
      { listObjects: async (_bucket, prefix) => objects.filter((o) => o.key.startsWith(prefix)) },
    );
  const s3Sample = { s3Prefix: 's3://bucket/samples/', contentType: 'application/octet-stream', weight: 4 };

  it('expands an S3 prefix into its objects, the entry’s weight shared between them, next to inline samples', async () => {
    const state = await resolve(false, [request.samples[0], s3Sample]);

    expect(state.loadTest.invocations.samples).toEqual([
      { sample: 0, weight: 1, bytes: 3 },
      { sample: 1, weight: 2, bytes: 100, bucket: 'bucket', key: 'samples/a.bin' },
      { sample: 1, weight: 2, bytes: 5 * 1024 * 1024, bucket: 'bucket', key: 'samples/b.bin' },
    ]);
  });

  it('refuses an object over 4 MB for a serverless endpoint, naming the field, the object and the limit', async () => {
    await expect(resolve(true, [s3Sample])).rejects.toThrow(
      "samples[0].s3Prefix: s3://bucket/samples/b.bin has 5242880 bytes; expected at most 4194304 (InvokeEndpoint's 4 MB limit for a serverless endpoint)",
    );
  });

  it('refuses a prefix with no object under it', async () => {
    await expect(resolve(false, [{ ...s3Sample, s3Prefix: 's3://bucket/none/' }])).rejects.toThrow(
      'samples[0].s3Prefix: no object under s3://bucket/none/',
    );
  });
});

describe('GuardLiveTraffic', () => {
  const state = {
    loadTest: {
      request,
      endpointArn: ENDPOINT_ARN,
      variants: [{ variantName: 'AllTraffic', serverless: false }],
    },
    execution: { id: 'arn:aws:states:us-east-1:123456789012:execution:RightSizeEndpoint:rs-1', name: 'rs-1' },
  };
  const guard = (tags: Record<string, string>, recent: number) => {
    const asked: number[] = [];
    const run = guardLiveTraffic(state, {
      sagemaker: { listTags: async () => tags },
      recentInvocations: async (_name, _variants, minutes) => {
        asked.push(minutes);
        return recent;
      },
    });
    return { run, asked };
  };

  it('lets a quiet endpoint be load-tested', async () => {
    const { run, asked } = guard({}, 0);

    await expect(run).resolves.toBe(state);
    expect(asked).toEqual([10]);
  });

  it('refuses an endpoint that served invocations in the lookback window, saying how many and what to do', async () => {
    await expect(guard({}, 42).run).rejects.toThrow(
      'endpointName: endpoint churn served 42 invocations in the last 10 minutes (liveTrafficGuard.maxRecentInvocations allows 0): it may be serving live traffic',
    );
  });

  it('exempts a throwaway endpoint this very execution made, without reading its traffic', async () => {
    const { run, asked } = guard({ [TagKeys.throwaway]: 'right-size', [TagKeys.execution]: 'rs-1' }, 500);

    await expect(run).resolves.toBe(state);
    expect(asked).toEqual([]);
  });

  it('does not exempt a throwaway endpoint of another execution', async () => {
    await expect(guard({ [TagKeys.throwaway]: 'right-size', [TagKeys.execution]: 'rs-0' }, 5).run).rejects.toThrow(
      'served 5 invocations',
    );
  });
});

/** A worker's result: `latencies` (ms) all successful, and `failed` more requests answered with a ModelError. */
function workerResult(at: { step: number; slice: number; worker: number }, latencies: number[], failed = 0) {
  const histogram = new LatencyHistogram();
  for (const ms of latencies) histogram.record(ms * 1000);
  const requests = latencies.length + failed;
  return {
    ...at,
    requests,
    succeeded: latencies.length,
    throttled: 0,
    statuses: { '200': latencies.length, ...(failed > 0 ? { '424': failed } : {}) },
    errors: failed > 0 ? { 'ModelError 500': failed } : {},
    users: 1,
    startAt: NOW,
    startedAt: NOW + 3,
    lateStartMs: at.worker === 1 ? 2500 : 3,
    endedAt: NOW + 60_000,
    budgetExhausted: false,
    latency: histogram.toJSON(),
    windows: [{ startSecond: 0, requests, succeeded: latencies.length, throttled: 0, statuses: {}, errors: {} }],
  } satisfies WorkerResult;
}

function judging(
  results: WorkerResult[],
  conditions: JudgedRequest['stoppingConditions'] = request.stoppingConditions,
  stepIndex = 0,
  pattern: JudgedRequest['pattern'] = request.pattern,
) {
  const judged = { ...request, pattern, stoppingConditions: conditions };
  const next = planRun(judged, stepIndex, 0, 1000, NOW - 65_000);
  const files = new Map(results.map((r) => [workerResultKey('p/', r), r]));
  const written = new Map<string, unknown>();
  const loadTest: LoadTestProgress & { request: JudgedRequest } = {
    request: judged,
    resultsPrefix: 'p/',
    invocations: { samples: [] },
    variants: [],
    budgetRemaining: 1000,
    next: { ...next, slice: { ...next.slice, startAt: NOW } },
    steps: [],
    done: false,
  };
  const run = judgeLoadStep(
    { loadTest },
    {
      readJson: async (key) => files.get(key),
      writeJson: async (key, value) => {
        written.set(key, value);
      },
      now: () => NOW + 61_000,
    },
  );
  return { run, written };
}

/** Three workers of step 0 (5 users at 2 a worker), each with 100 answers of `ms`. */
const threeWorkers = (ms: (worker: number, i: number) => number, failed = 0) =>
  [0, 1, 2].map((worker) =>
    workerResult(
      { step: 0, slice: 0, worker },
      Array.from({ length: 100 }, (_, i) => ms(worker, i)),
      worker === 0 ? failed : 0,
    ),
  );

describe('JudgeLoadStep', () => {
  it('merges the workers, summarizes the step, and plans the next one when every condition holds', async () => {
    const { run, written } = judging(threeWorkers((worker, i) => 10 + worker * 10 + i / 10));

    const { loadTest } = await run;

    const [step] = loadTest.steps as [LoadStepSummary];
    expect(step).toMatchObject({
      step: 0,
      users: 5,
      workers: 3,
      requests: 300,
      succeeded: 300,
      errorRate: 0,
      maxInvocations: 300,
      requestsPerSecond: 5,
      lateWorkers: 1,
      maxLateStartMs: 2500,
      passed: true,
    });
    // Percentiles of the merge: the slow worker's answers make the tail.
    expect(step.latencyMs.p50).toBeCloseTo(24.9, 0);
    expect(step.latencyMs.p95).toBeCloseTo(38.4, 0);
    expect(step.latencyMs.max).toBeCloseTo(39.9, 1);
    expect(loadTest.done).toBe(false);
    expect(loadTest.budgetRemaining).toBe(700);
    expect(loadTest.next).toMatchObject({
      step: { index: 1, users: 10 },
      workerCount: 5,
      slice: { startAt: NOW + 66_000 },
    });
    expect(written.get('p/step-0/merged.json')).toMatchObject({ step: 0, latency: { count: 300 } });
  });

  it('times a step of one worker from when that worker started, not from when the step was planned', async () => {
    const sole = { ...workerResult({ step: 0, slice: 0, worker: 0 }, [20, 20]), startAt: NOW + 700 };
    const { run } = judging([sole], request.stoppingConditions, 0, {
      stairs: { usersPerStep: 2, steps: 3, stepSeconds: 60 },
    });

    const { loadTest } = await run;

    expect(loadTest.steps[0]).toMatchObject({ workers: 1, startedAt: NOW + 700, endedAt: NOW + 60_700 });
  });

  it('ends the test at the first step over the latency threshold, saying by how much', async () => {
    const { run } = judging(threeWorkers((worker, i) => (worker === 2 ? 150 + i : 20)));

    const { loadTest } = await run;

    expect(loadTest.done).toBe(true);
    expect(loadTest.steps[0]?.passed).toBe(false);
    expect(loadTest.stoppedBy).toEqual({ step: 0, condition: 'latencyThreshold', detail: 'P95 234 ms > 100 ms' });
  });

  it('ends the test when errors pass maxErrorRate, naming the commonest', async () => {
    const { run } = judging(threeWorkers(() => 20, 10));

    const { loadTest } = await run;

    expect(loadTest.stoppedBy).toEqual({
      step: 0,
      condition: 'maxErrorRate',
      detail: 'error rate 0.0323 > 0.01 (ModelError 500: 10)',
    });
  });

  it('stops climbing once a step sustains maxInvocations: that step passed and met the target', async () => {
    const { run } = judging(
      threeWorkers(() => 20),
      { maxErrorRate: 0.01, maxInvocations: 250 },
    );

    const { loadTest } = await run;

    expect(loadTest.steps[0]?.passed).toBe(true);
    expect(loadTest.stoppedBy).toEqual({
      step: 0,
      condition: 'maxInvocations',
      detail: '300 invocations per minute sustained, target 250',
    });
  });

  it('ends with patternComplete after the last step', async () => {
    const pattern = { stairs: { usersPerStep: 5, steps: 1, stepSeconds: 60 } };
    const { run } = judging(
      threeWorkers(() => 20),
      request.stoppingConditions,
      0,
      pattern,
    );

    const { loadTest } = await run;

    expect(loadTest.stoppedBy).toEqual({
      step: null,
      condition: 'patternComplete',
      detail: 'every step of the pattern ran',
    });
  });
});

const cloudwatch = mockClient(CloudWatchClient);
afterEach(() => cloudwatch.reset());

describe('ReportLoadTest', () => {
  const minute = (m: number) => new Date(NOW + m * 60_000);
  const summary = (step: number, passed: boolean): LoadStepSummary => ({
    step,
    users: 5 * (step + 1),
    durationSeconds: 120,
    startedAt: NOW + step * 125_000,
    endedAt: NOW + step * 125_000 + 120_000,
    workers: 3,
    lateWorkers: 0,
    maxLateStartMs: 0,
    requests: 600,
    succeeded: 600,
    throttled: 0,
    statuses: { '200': 600 },
    errors: {},
    maxInvocations: 300,
    requestsPerSecond: 5,
    errorRate: 0,
    latencyMs: { p50: 20, p90: 30, p95: 40, p99: 50, min: 10, max: 60, mean: 22 },
    passed,
  });
  const state = {
    loadTest: {
      request: { endpointName: 'churn', options: { metricsPeriodSeconds: 60 } },
      resultsPrefix: 'load-tests/run-1/churn/',
      variants: [{ variantName: 'AllTraffic', serverless: false }],
      steps: [summary(0, true), summary(1, false)],
      stoppedBy: { step: 1, condition: 'latencyThreshold' as const, detail: 'P95 140 ms > 100 ms' },
    },
  };

  it('reads SageMaker’s figures of each step from the minutes inside it, and gives the verdict', async () => {
    process.env.ARTIFACT_BUCKET_NAME = 'artifacts';
    const values: Record<string, number[]> = {
      invocations: [300, 300, 10, 300, 300],
      modelLatencySum: [300 * 15_000, 300 * 17_000, 0, 300 * 80_000, 300 * 90_000],
      modelLatencyCount: [300, 300, 10, 300, 300],
      modelLatencyMax: [30_000, 32_000, 0, 150_000, 160_000],
      cpuAverage: [40, 60, 5, 90, 95],
      cpuMax: [50, 70, 5, 99, 99],
    };
    cloudwatch.on(GetMetricDataCommand).callsFake((input) => ({
      MetricDataResults: input.MetricDataQueries.map((q: { Id: string }) => {
        const name = q.Id.replace(/^v0_/, '');
        return {
          Id: q.Id,
          Timestamps: [minute(0), minute(1), minute(2), minute(3), minute(4)],
          Values: values[name] ?? [0, 0, 0, 0, 0],
        };
      }),
    }));

    const out = await reportHandler(state);

    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toMatchObject({ StartTime: minute(0), EndTime: minute(5) });
    const { report } = out.loadTest;
    // Step 0 ran minutes 0 and 1 whole; step 1 ran from 2:05 to 4:05, so only minute 3 lies wholly inside it.
    expect(report.steps[0]?.sageMaker?.[0]).toMatchObject({
      variantName: 'AllTraffic',
      invocations: 600,
      modelLatencyMs: { average: 16, maximum: 32 },
      cpuUtilization: { average: 50, maximum: 70 },
    });
    expect(report.steps[1]?.sageMaker?.[0]?.modelLatencyMs.average).toBe(80);
    expect(report.verdict).toEqual({
      highestPassingStep: 0,
      maxInvocations: 300,
      users: 5,
      latencyMs: summary(0, true).latencyMs,
      modelLatencyMs: 16,
      stoppedBy: { step: 1, condition: 'latencyThreshold', detail: 'P95 140 ms > 100 ms' },
    });
    expect(report.resultsUri).toBe('s3://artifacts/load-tests/run-1/churn/');
    expect(report.metricsNote).toBeUndefined();
  });

  it('keeps the client-side report when CloudWatch cannot be read, and says why its figures are missing', async () => {
    process.env.ARTIFACT_BUCKET_NAME = 'artifacts';
    cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    const { report } = (await reportHandler(state)).loadTest;

    expect(report.steps[0]?.sageMaker).toBeUndefined();
    expect(report.verdict.highestPassingStep).toBe(0);
    expect(report.metricsNote).toBe(
      "SageMaker's figures are missing: GetMetricData failed with AccessDenied: not authorized",
    );
  });
});

describe('readEndpointMetrics', () => {
  it('follows NextToken and asks for each metric by EndpointName and VariantName', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'v0_invocations', Timestamps: [new Date(NOW)], Values: [3] }],
        NextToken: 'more',
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'v0_invocations', Timestamps: [new Date(NOW + 60_000)], Values: [4] }],
      });

    const series = await readEndpointMetrics(new CloudWatchClient({ region: 'us-east-1' }), {
      endpointName: 'churn',
      variantNames: ['AllTraffic'],
      start: new Date(NOW),
      end: new Date(NOW + 120_000),
      periodSeconds: 60,
      only: ['invocations'],
    });

    expect([...(series.get('AllTraffic')?.invocations ?? new Map()).values()]).toEqual([3, 4]);
    const [first, second] = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(second?.args[0].input.NextToken).toBe('more');
    expect(first?.args[0].input.MetricDataQueries?.[0]?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocations',
        Dimensions: [
          { Name: 'EndpointName', Value: 'churn' },
          { Name: 'VariantName', Value: 'AllTraffic' },
        ],
      },
      Period: 60,
      Stat: 'Sum',
    });
  });
});
