/**
 * LoadTestEndpoint end to end: the synthesized state machine, the local runner and the real handlers (the load
 * generators among them, in-process) against the emulator, whose endpoints serve the example models as real
 * processes and whose CloudWatch reports what they served.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadTestReport } from '../../contracts/parts/load-test.ts';
import type { ExecutionResult } from '../../local/runner/runner.ts';
import { deploy, deployInput, type Harness, IMAGE, readS3Text, startHarness } from './harness.ts';

let h: Harness;
const BUCKET = 'e2e-models';
let mmeModels: { v1: string; v2: string };

/** A small, fast pattern: every figure is real, the steps are seconds long, and CloudWatch is read per second. */
const FAST = {
  options: {
    usersPerWorker: 2,
    startLeadSeconds: 1,
    windowSeconds: 1,
    metricsPeriodSeconds: 1,
    metricsDelaySeconds: 0,
  },
};

const csvSample = { contentType: 'text/csv', accept: 'application/json', body: '1,2' };

/** The deployments of the endpoints two tests load or refuse: started with the multi-model one, awaited by each test. */
let queueDeployed: Promise<ExecutionResult>;
let serverlessDeployed: Promise<ExecutionResult>;

beforeAll(async () => {
  h = await startHarness();
  // One worker serving 50 ms a request (the threshold test).
  queueDeployed = deploy(
    h,
    deployInput('lt-queue', h.models['linear-v1'], {
      model: {
        image: IMAGE,
        modelDataUrl: h.models['linear-v1'],
        environment: { SMWF_EXAMPLE_SERVICE_MS: '50', SAGEMAKER_MODEL_SERVER_WORKERS: '1' },
      },
    }),
  );
  serverlessDeployed = deploy(
    h,
    deployInput('lt-serverless', h.models['linear-v1'], {
      variants: [{ serverless: { memorySizeInMB: 1024, maxConcurrency: 2 } }],
    }),
  );
  const mme = await h.runner.start('DeployMultiModelEndpoint', {
    endpointName: 'lt-mme',
    model: { image: IMAGE, prefix: `s3://${BUCKET}/mme/lt-mme/` },
    models: [
      { name: 'v1', artifact: h.models['linear-v1'] },
      { name: 'v2', artifact: h.models['linear-v2'] },
    ],
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: { samples: [{ ...csvSample, expectedOutputContains: 'predictions' }], invocations: 2 },
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
  }).result;
  if (mme.status !== 'SUCCEEDED') throw new Error(`the multi-model endpoint was not deployed: ${mme.cause}`);
  const [v1, v2] = (mme.output as { placedModels: { targetModel: string }[] }).placedModels;
  mmeModels = { v1: v1?.targetModel ?? '', v2: v2?.targetModel ?? '' };
});

afterAll(async () => {
  await h?.close();
});

/** The text of an object in the emulator's S3, by its s3:// URI. */
function loadTest(endpointName: string, overrides: Record<string, unknown> = {}) {
  return {
    endpointName,
    confirmEndpointName: endpointName,
    samples: [csvSample],
    pattern: { stairs: { usersPerStep: 2, steps: 2, stepSeconds: 3 } },
    // The deployment's own health check and warm-up invocations are recent traffic the guard would count.
    liveTrafficGuard: { lookbackMinutes: 10, maxRecentInvocations: 100 },
    ...FAST,
    ...overrides,
  };
}

describe('LoadTestEndpoint', () => {
  it('loads a multi-model endpoint with a TargetModel distribution and reports each step and the verdict', async () => {
    // Samples inline and from an S3 prefix, as a user keeps a captured payload set.
    for (const [key, body] of [
      ['lt-mme-samples/a.csv', '3,4'],
      ['lt-mme-samples/b.csv', '5,6'],
    ] as const) {
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    }
    const result = await h.runner.start(
      'LoadTestEndpoint',
      loadTest('lt-mme', {
        samples: [
          csvSample,
          { contentType: 'text/csv', accept: 'application/json', s3Prefix: `s3://${BUCKET}/lt-mme-samples/` },
        ],
        targetModels: [
          { targetModel: mmeModels.v1, weight: 3 },
          { targetModel: mmeModels.v2, weight: 1 },
        ],
        stoppingConditions: { latencyThreshold: { percentile: 'P99', valueMs: 5000 }, maxErrorRate: 0 },
      }),
    ).result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = result.output as LoadTestReport;
    expect(report.steps.map((s) => [s.step, s.users, s.workers, s.passed])).toEqual([
      [0, 2, 1, true],
      [1, 4, 2, true],
    ]);
    for (const step of report.steps) {
      expect(step.requests).toBeGreaterThan(20);
      expect(step.succeeded).toBe(step.requests);
      expect(step.errorRate).toBe(0);
      const { p50, p90, p95, p99, max } = step.latencyMs;
      expect([p50, p90, p95, p99, max].every((v) => typeof v === 'number' && v > 0)).toBe(true);
      expect(p50 as number).toBeLessThanOrEqual(p99 as number);
      expect(step.maxInvocations).toBeCloseTo((step.succeeded / step.durationSeconds) * 60, 0);
      const byModel = step.targetModels ?? {};
      const v1 = byModel[mmeModels.v1]?.requests ?? 0;
      const v2 = byModel[mmeModels.v2]?.requests ?? 0;
      expect(v1 + v2).toBe(step.requests);
      // Weights 3:1 over more than 20 draws: v1 takes well over half.
      expect(v1 / step.requests).toBeGreaterThan(0.5);
      expect(v2).toBeGreaterThan(0);
      // SageMaker's own figures, from the emulator's CloudWatch: what it served, and less latency than the client saw.
      const [variant] = step.sageMaker ?? [];
      expect(variant?.variantName).toBe('AllTraffic');
      expect(variant?.invocations).toBeGreaterThan(0);
      expect(variant?.invocations).toBeLessThanOrEqual(step.requests);
      expect(variant?.modelLatencyMs.average).toBeGreaterThan(0);
      expect(variant?.modelLatencyMs.average as number).toBeLessThan(step.latencyMs.mean as number);
      expect(variant?.cpuUtilization.average).not.toBeNull();
      expect(variant?.memoryUtilization.average).not.toBeNull();
    }
    expect(report.metricsNote).toBeUndefined();
    expect(report.verdict.modelLatencyMs).toBeGreaterThan(0);
    expect(report.verdict).toMatchObject({
      highestPassingStep: 1,
      users: 4,
      stoppedBy: { step: null, condition: 'patternComplete' },
    });
    expect(report.resultsUri).toMatch(/^s3:\/\/.+\/load-tests\/.+\/lt-mme\/$/);

    // The report, as a page and a summary under the artifact bucket, named by the execution.
    const files = report.reportFiles;
    expect(files?.html).toMatch(/^s3:\/\/[^/]+\/reports\/LoadTestEndpoint\/[^/]+\/report\.html$/);
    expect(files?.markdown).toBe(files?.html.replace(/report\.html$/, 'summary.md'));
    const html = await readS3Text(h, files?.html as string);
    expect(html).toContain('<h1>Load test of lt-mme</h1>');
    expect(html).toMatch(/<path class="series-line" d="M[\d.]+ [\d.]+ L[\d.]+ [\d.]+"/);
    expect(html).toContain('P99 threshold 5,000.0 ms');
    expect(html).toContain('Measured on this machine');
    const markdown = await readS3Text(h, files?.markdown as string);
    expect(markdown).toContain('| **2** | **4** |');
  });

  it('stops at the first step over the latency threshold: the verdict is the step below it, and why', async () => {
    // One worker serving 50 ms a request: one user waits about 50 ms, two users queue to about 100 ms (the threshold,
    // 80 ms, leaves a busy machine 30 ms of overhead either way).
    const deployed = await queueDeployed;
    expect(deployed.status, deployed.cause).toBe('SUCCEEDED');

    const result = await h.runner.start(
      'LoadTestEndpoint',
      loadTest('lt-queue', {
        // Two seconds a step: about 40 requests each at 20 a second.
        pattern: { stairs: { usersPerStep: 1, steps: 3, stepSeconds: 2 } },
        stoppingConditions: { latencyThreshold: { percentile: 'P50', valueMs: 80 } },
        options: { ...FAST.options, usersPerWorker: 1 },
      }),
    ).result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = result.output as LoadTestReport;
    const [first, second] = report.steps;
    expect(report.steps).toHaveLength(2);
    expect(first?.latencyMs.p50).toBeGreaterThanOrEqual(49);
    expect(first?.passed).toBe(true);
    expect(second?.passed).toBe(false);
    expect(report.verdict).toMatchObject({
      highestPassingStep: 0,
      users: 1,
      stoppedBy: { step: 1, condition: 'latencyThreshold', detail: expect.stringMatching(/^P50 [\d.]+ ms > 80 ms$/) },
    });
    // One worker at 50 ms: about 20 requests a second, 1200 a minute, whatever the users.
    expect(first?.maxInvocations).toBeGreaterThan(1200 * 0.6);
    expect(first?.maxInvocations).toBeLessThan(1200 * 1.2);
  });

  it('runs a step of more load generators than an inline Map holds in the Distributed Map', async () => {
    const result = await h.runner.start(
      'LoadTestEndpoint',
      loadTest('lt-mme', {
        targetModels: [{ targetModel: mmeModels.v2 }],
        pattern: { stairs: { usersPerStep: 41, steps: 1, stepSeconds: 1 } },
        // The earlier tests' load on this endpoint is recent traffic: allowed here, knowingly.
        liveTrafficGuard: { lookbackMinutes: 10, maxRecentInvocations: 1_000_000 },
        // 41 generators start in this one process: the lead gives the last of them time to be ready at startAt.
        options: { ...FAST.options, usersPerWorker: 1, startLeadSeconds: 4 },
      }),
    ).result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const [step] = (result.output as LoadTestReport).steps;
    expect(step?.workers).toBe(41);
    expect(step?.requests).toBeGreaterThan(41);
    const entered = result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state?.name] : []));
    expect(entered).toContain('GenerateLoadDistributed');
    expect(entered).not.toContain('GenerateLoadInline');
  });

  it('refuses a confirmation that names another endpoint at the first state, before any call', async () => {
    const result = await h.runner.start('LoadTestEndpoint', loadTest('lt-mme', { confirmEndpointName: 'lt-other' }))
      .result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInputError');
    expect(result.cause).toContain('confirmEndpointName: expected the same name as endpointName');
    expect(result.events.filter((e) => e.type === 'StateEntered').map((e) => 'state' in e && e.state?.name)).toEqual([
      'ValidateInput',
      'InputRejected',
    ]);
  });

  it('refuses a multi-model endpoint without the models to invoke, naming targetModels, before any load', async () => {
    const result = await h.runner.start('LoadTestEndpoint', loadTest('lt-mme')).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInputError');
    expect(result.cause).toContain(
      'targetModels: variant AllTraffic of lt-mme is multi-model: name the models to invoke',
    );
    const entered = result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state?.name] : []));
    expect(entered).not.toContain('GenerateLoad');
  });

  it('refuses a sample over 4 MB for a serverless endpoint once the endpoint shows it is serverless (ResolveLoadSamples)', async () => {
    const deployed = await serverlessDeployed;
    expect(deployed.status, deployed.cause).toBe('SUCCEEDED');
    await h.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'lt-samples/big.csv', Body: Buffer.alloc(5 * 1024 * 1024, 49) }),
    );

    const result = await h.runner.start(
      'LoadTestEndpoint',
      loadTest('lt-serverless', { samples: [{ contentType: 'text/csv', s3Prefix: `s3://${BUCKET}/lt-samples/` }] }),
    ).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInputError');
    expect(result.cause).toContain(
      `samples[0].s3Prefix: s3://${BUCKET}/lt-samples/big.csv has 5242880 bytes; expected at most 4194304 (InvokeEndpoint's 4 MB limit for a serverless endpoint)`,
    );
  });

  it('refuses an endpoint that served recent traffic: the live-traffic guard', async () => {
    const result = await h.runner.start(
      'LoadTestEndpoint',
      loadTest('lt-mme', {
        targetModels: [{ targetModel: mmeModels.v1 }],
        liveTrafficGuard: { lookbackMinutes: 10, maxRecentInvocations: 0 },
      }),
    ).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInputError');
    expect(result.cause).toMatch(
      /endpointName: endpoint lt-mme served \d+ invocations in the last 10 minutes \(liveTrafficGuard.maxRecentInvocations allows 0\): it may be serving live traffic/,
    );
  });
});
