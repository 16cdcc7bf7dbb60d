/**
 * RightSizeEndpoint end to end: the synthesized state machine, the local runner and the real handlers against the
 * emulator, whose candidates are real processes. The example model serves each prediction in a fixed 100 ms with
 * SAGEMAKER_MODEL_SERVER_WORKERS predictions at once, so what each candidate sustains follows queueing arithmetic:
 * one worker serves about 10 a second, two about 20, whatever the instance type (locally a type changes only the
 * price). The steps are seconds long and CloudWatch is read per second. The runs that succeed or are refused make
 * endpoints of their own names, so they run at once; the runs that inject faults into every SageMaker call of the
 * emulator, or count the execution cleanup's deliveries, run alone after them.
 */
import { ListEndpointConfigsCommand, ListEndpointsCommand, ListModelsCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RightSizeReport } from '../../contracts/parts/right-size.ts';
import { RealClock } from '../../local/triggers/clock.ts';
import type { TriggerEngine } from '../../local/triggers/engine.ts';
import { DeployEndpointInput } from '../../workflows/deploy-endpoint/contract.ts';
import { type Harness, IMAGE, readS3Text, registerLinearPackages, startHarness } from './harness.ts';

let h: Harness;
let triggers: TriggerEngine;
let cleanupArn: string;

beforeAll(async () => {
  // The stack's rules run too: the execution cleanup after an abort, or after a failure that left throwaways.
  h = await startHarness(8, { triggerClock: new RealClock() });
  triggers = h.triggers as TriggerEngine;
  cleanupArn = [...h.runner.workflows.functions.values()].find((f) => f.task === 'ExecutionCleanup')?.arn ?? '';
});

afterAll(async () => {
  await h?.close();
});

const SERVICE_MS = 100;

/** A right-sizing of the example model: `overrides` replace the input's members. */
function rightSize(prefix: string, overrides: Record<string, unknown> = {}) {
  return {
    endpointNamePrefix: prefix,
    model: {
      image: IMAGE,
      modelDataUrl: h.models['linear-v1'],
      environment: { SMWF_EXAMPLE_SERVICE_MS: String(SERVICE_MS) },
    },
    candidates: {
      instanceTypes: ['ml.c5.large', 'ml.m5.large'],
      environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['1', '2'] },
    },
    samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }],
    // 1, 2, 3 users: one worker makes the second user wait for the first (about 200 ms a request, P50 over 160).
    pattern: { stairs: { usersPerStep: 1, steps: 3, stepSeconds: 3 } },
    stoppingConditions: { latencyThreshold: { percentile: 'P50', valueMs: 160 } },
    options: {
      usersPerWorker: 4,
      startLeadSeconds: 1,
      windowSeconds: 1,
      metricsPeriodSeconds: 1,
      metricsDelaySeconds: 0,
    },
    targetRequestsPerSecond: 11,
    safetyFactor: 0.5,
    region: 'us-east-1',
    // Every candidate at once (each serves its own sleeping model processes; the load of four is light).
    maxConcurrency: 4,
    warmUpInvocations: 2,
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    ...overrides,
  };
}

/** Every endpoint, endpoint config and model whose name contains `stem`. */
async function remaining(stem: string) {
  const endpoints = await h.sagemaker.send(new ListEndpointsCommand({ NameContains: stem }));
  const configs = await h.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: stem }));
  const models = await h.sagemaker.send(new ListModelsCommand({ NameContains: stem }));
  return [
    ...(endpoints.Endpoints ?? []).map((e) => `endpoint ${e.EndpointName} (${e.EndpointStatus})`),
    ...(configs.EndpointConfigs ?? []).map((c) => `config ${c.EndpointConfigName}`),
    ...(models.Models ?? []).map((m) => `model ${m.ModelName}`),
  ];
}

/**
 * What is left of `stem`'s resources once the deletions the execution started have run: an endpoint SageMaker is
 * still deleting (DeleteEndpoint returns at once, the endpoint goes away later) is waited for, up to a minute.
 */
async function leftBehind(stem: string) {
  const deadline = Date.now() + 60_000;
  let left = await remaining(stem);
  while (left.length > 0 && left.every((r) => r.endsWith('(Deleting)')) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = await remaining(stem);
  }
  return left;
}

/** The lifecycle events (`Deployment Succeeded`, ...) the workflows published about endpoints named `stem`... */
async function lifecycleEventsOf(stem: string) {
  return (await h.emulator.readEvents())
    .filter((e) => e.source === 'sagemaker-workflows' && e['detail-type'].startsWith('Deployment '))
    .filter((e) => String((e.detail as { endpointName?: unknown }).endpointName).startsWith(stem))
    .map((e) => e['detail-type']);
}

/** Waits until the execution cleanup has been delivered once more than `before` times, and has run. */
async function cleanupRan(before: number) {
  while (triggers.deliveries.filter((d) => d.targetArn === cleanupArn).length <= before) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await triggers.idle();
  const delivery = triggers.deliveries.filter((d) => d.targetArn === cleanupArn).at(-1);
  expect(delivery?.outcome, delivery?.error).toBe('delivered');
}

const cleanupsSoFar = () => triggers.deliveries.filter((d) => d.targetArn === cleanupArn).length;

describe('RightSizeEndpoint', () => {
  // Each has endpoints of its own name: they run at once.
  describe.concurrent('runs of their own endpoints', () => {
    it('measures four candidates and recommends the cheapest that meets the threshold at the target, sized for it', async () => {
      const result = await h.runner.start('RightSizeEndpoint', rightSize('rs-four')).result;

      expect(result.status, result.cause).toBe('SUCCEEDED');
      const report = result.output as RightSizeReport;
      expect(report.engine).toBe('load-test');
      expect(report.prices).toMatchObject({ kind: 'table', region: 'us-east-1', currency: 'USD', unpriced: [] });
      expect(report.prices.tableUrl).toBe('https://aws.amazon.com/sagemaker/pricing/');
      // ml.c5.large and ml.m5.large are priced at figures AWS published (contracts/parts/hosting-prices.ts).
      expect(report.prices).toMatchObject({ sourced: ['ml.c5.large', 'ml.m5.large'], estimated: [] });
      expect(report.prices.sources.map((s) => s.publisher)).toEqual(['AWS', 'AWS']);
      expect(report.candidates).toHaveLength(4);
      const byLabel = Object.fromEntries(report.candidates.map((c) => [c.label, c]));
      for (const c of report.candidates) {
        expect(c.outcome, `${c.label}: ${c.failure?.cause ?? JSON.stringify(c.steps)}`).toBe('tested');
        expect(c.endpointName).toMatch(/^rs-four-rs-[0-9a-f]{8}-[0-3]$/);
        expect(c.steps.length).toBeGreaterThanOrEqual(2);
        expect(c.cpuUtilization).not.toBeNull();
        expect(c.price.basis).toBe('sourced');
        // CostPerInference = CostPerHour / (MaxInvocations × 60).
        expect(c.costPerInference).toBeCloseTo((c.costPerHour as number) / ((c.maxInvocations as number) * 60), 12);
      }
      // A worker serves one prediction at a time, whatever the users: one worker sustains about 10 a second, two about
      // 20 (this machine may be busy: at least half that).
      for (const type of ['ml.c5.large', 'ml.m5.large']) {
        const one = byLabel[`${type} × 1, SAGEMAKER_MODEL_SERVER_WORKERS=1`];
        const two = byLabel[`${type} × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2`];
        expect(one?.steps[0]?.passed).toBe(true);
        expect(one?.requestsPerSecondPerInstance).toBeGreaterThan(10 * 0.5);
        expect(one?.requestsPerSecondPerInstance).toBeLessThan(10 * 1.2);
        expect(two?.requestsPerSecondPerInstance).toBeGreaterThan(20 * 0.55);
        expect(two?.requestsPerSecondPerInstance).toBeLessThan(20 * 1.1);
        // Each instance planned at half its rate: 11/s needs ceil(11 / (rate × 0.5)) instances: two workers 1-2
        // instances, one worker at least 3.
        for (const c of [one, two]) {
          const rate = c?.requestsPerSecondPerInstance as number;
          expect(c?.instanceCountForTarget).toBe(Math.ceil(11 / (rate * 0.5)));
        }
        expect(one?.instanceCountForTarget).toBeGreaterThanOrEqual(3);
        expect(two?.instanceCountForTarget).toBeLessThanOrEqual(2);
      }
      // c5.large (0.102 $/h) with two workers: cheaper than as many m5.large (0.115) and than 3+ single-worker c5s.
      const [first, second] = report.candidates;
      expect(first?.label).toBe('ml.c5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2');
      const instances = first?.instanceCountForTarget as number;
      expect(first?.costPerHourAtTarget).toBeCloseTo(instances * 0.102, 6);
      expect(second?.label).toBe('ml.m5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2');
      expect(report.candidates.map((c) => c.rank)).toEqual([1, 2, 3, 4]);

      const recommendation = report.recommendation;
      expect(recommendation).toMatchObject({
        candidateIndex: first?.index,
        instanceType: 'ml.c5.large',
        instanceCount: instances,
        environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' },
      });
      // AWS's formula: invocations per instance = max RPS × safety factor × 60.
      const perInstance = first?.requestsPerSecondPerInstance as number;
      expect(recommendation?.invocationsPerInstanceTarget).toBeCloseTo(perInstance * 0.5 * 60, 6);
      const ready = recommendation?.deployEndpointInput;
      expect(ready?.variants).toEqual([
        { name: 'AllTraffic', instanceType: 'ml.c5.large', initialInstanceCount: instances },
      ]);
      expect(ready?.model.environment).toEqual({ SMWF_EXAMPLE_SERVICE_MS: '100', SAGEMAKER_MODEL_SERVER_WORKERS: '2' });
      expect(ready?.autoScaling?.AllTraffic?.targetTracking).toMatchObject({
        metric: 'SageMakerVariantInvocationsPerInstance',
        targetValue: Math.round(perInstance * 0.5 * 60 * 100) / 100,
      });
      // Ready as it is: DeployEndpoint's own contract takes it.
      expect(DeployEndpointInput.safeParse(ready).success).toBe(true);
      expect(report.notes.join(' ')).toContain('local emulator');
      // The report and summary, in the artifact bucket, name the recommended candidate.
      expect(report.reportFiles?.html).toMatch(/\/reports\/RightSizeEndpoint\/[^/]+\/report\.html$/);
      const summary = await readS3Text(h, report.reportFiles?.markdown ?? '');
      expect(summary).toContain('ml.c5.large');
      expect(await readS3Text(h, report.reportFiles?.html ?? '')).toMatch(/^<!DOCTYPE html>/i);

      // The emulator's instance quotas, as Service Quotas lists them (20 of each type), left the input's 4 at once.
      const quotas = result.events.find((e) => e.type === 'StateExited' && e.state.name === 'CheckInstanceQuotas');
      expect((quotas as { state: { output: { plan: unknown } } } | undefined)?.state.output.plan).toMatchObject({
        maxConcurrency: 4,
        instanceQuotas: { 'ml.c5.large': 20, 'ml.m5.large': 20 },
      });
      expect(await leftBehind('rs-four-rs-')).toEqual([]);
      // Four deployments were made only to be measured: nothing announced them as deployments.
      expect(await lifecycleEventsOf('rs-four-rs-')).toEqual([]);
    });

    it('reports a candidate that fails to deploy with SageMaker’s reason, goes on, and leaves nothing behind', async () => {
      // Workers "0": the model server refuses to start, so that candidate's endpoint fails; "1" deploys, and a 1 ms
      // threshold fails its first step.
      const result = await h.runner.start(
        'RightSizeEndpoint',
        rightSize('rs-fail', {
          candidates: {
            instanceTypes: ['ml.c5.large'],
            environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['0', '1'] },
          },
          stoppingConditions: { latencyThreshold: { percentile: 'P95', valueMs: 1 } },
          // Two steps of a second: the first fails, and the second is not run.
          pattern: { stairs: { usersPerStep: 1, steps: 2, stepSeconds: 1 } },
        }),
      ).result;

      expect(result.status, result.cause).toBe('SUCCEEDED');
      const report = result.output as RightSizeReport;
      const [broken, slow] = [...report.candidates].sort((a, b) => a.index - b.index);
      expect(broken?.outcome).toBe('deployFailed');
      expect(broken?.failure?.cause).toMatch(/SAGEMAKER_MODEL_SERVER_WORKERS must be a whole number|ping|exited/i);
      expect(broken?.rank).toBeNull();
      expect(slow?.outcome).toBe('noPassingStep');
      expect(slow?.steps).toHaveLength(1);
      expect(slow?.steps[0]?.passed).toBe(false);
      expect(report.recommendation).toBeNull();
      expect(report.noRecommendationBecause).toContain('no candidate meets the target');

      expect(await leftBehind('rs-fail-rs-')).toEqual([]);
      // Neither the candidate that rolled back nor the one that deployed published a lifecycle event.
      expect(await lifecycleEventsOf('rs-fail-rs-')).toEqual([]);
    });

    it('refuses engine inference-recommender locally with the emulator’s reason, having created nothing', async () => {
      const { v1 } = await registerLinearPackages(h, 'rs-recommender');
      const result = await h.runner.start(
        'RightSizeEndpoint',
        rightSize('rs-ir', {
          engine: 'inference-recommender',
          model: { modelPackageArn: v1 },
          // Inference Recommender's thresholds are P95 or P99.
          stoppingConditions: { latencyThreshold: { percentile: 'P95', valueMs: 160 } },
          candidates: {
            instanceTypes: ['ml.c5.large'],
            environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['1', '2'] },
          },
        }),
      ).result;

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('UnknownOperationException');
      expect(result.cause).toContain('CreateInferenceRecommendationsJob is not supported by the smwf local emulator');
      expect(result.cause).toContain('engine load-test measures the candidates locally');
      const entered = result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state?.name] : []));
      expect(entered).toEqual([
        'ValidateInput',
        'IsInferenceRecommender',
        'StartInferenceRecommendations',
        'RightSizeFailed',
      ]);
      expect(await leftBehind('rs-ir-rs-')).toEqual([]);
    });
  });

  // Alone too: a measurement that the other runs' load would disturb.
  it('measures a serverless candidate and recommends it with the MaxConcurrency the target needs', async () => {
    // One serverless candidate (two workers: about 20 a second); 1 and 2 users never queue on it.
    const result = await h.runner.start(
      'RightSizeEndpoint',
      rightSize('rs-serverless', {
        candidates: {
          serverlessMemorySizesInMB: [2048],
          serverlessMaxConcurrency: 4,
          environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['2'] },
        },
        pattern: { stairs: { usersPerStep: 1, steps: 2, stepSeconds: 2 } },
      }),
    ).result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = result.output as RightSizeReport;
    const [serverless] = report.candidates;
    expect(serverless?.label).toBe('serverless 2048 MB, SAGEMAKER_MODEL_SERVER_WORKERS=2');
    expect(serverless?.outcome, serverless?.failure?.cause).toBe('tested');
    expect(serverless?.endpointName).toMatch(/^rs-serverless-rs-[0-9a-f]{8}-0$/);
    expect(serverless?.steps).toHaveLength(2);
    expect(serverless?.steps.every((step) => step.passed)).toBe(true);
    // Billed per second of compute by memory: ModelLatency (at least the 100 ms a prediction takes) × 2 GB × the
    // table's us-east-1 price per GB-second, no per-request price.
    const modelSeconds = (serverless?.modelLatencyMs as number) / 1000;
    expect(modelSeconds).toBeGreaterThanOrEqual(SERVICE_MS / 1000);
    expect(serverless?.costPerInference).toBeCloseTo(modelSeconds * 2 * 0.00002, 12);
    expect(serverless?.costPerMillionInferences).toBeCloseTo(modelSeconds * 2 * 0.00002 * 1e6, 6);
    expect(serverless?.instanceCountForTarget).toBeNull();
    // Little's law with headroom: 11 a second × the latency ÷ 0.5.
    const concurrency = Math.ceil((11 * modelSeconds) / 0.5);
    expect(serverless?.serverlessConcurrencyForTarget).toBe(concurrency);
    expect(report.prices.unpriced).toEqual([]);

    expect(report.recommendation).toMatchObject({
      candidateIndex: 0,
      serverless: { memorySizeInMB: 2048, maxConcurrency: concurrency },
      invocationsPerInstanceTarget: null,
    });
    const ready = report.recommendation?.deployEndpointInput;
    expect(ready?.variants).toEqual([
      { name: 'AllTraffic', serverless: { memorySizeInMB: 2048, maxConcurrency: concurrency } },
    ]);
    expect(ready?.autoScaling).toBeUndefined();
    expect(DeployEndpointInput.safeParse(ready).success).toBe(true);
    expect(await leftBehind('rs-serverless-rs-')).toEqual([]);
    expect(await lifecycleEventsOf('rs-serverless-rs-')).toEqual([]);
  });

  // Alone, after them: the faults apply to every SageMaker call of the emulator, and the cleanup's deliveries are
  // counted.
  it('deletes every candidate the execution tagged when the execution itself fails, and fails with the cause', async () => {
    // The first DeleteModel fails (not a failure any step retries): DeleteCandidate fails, so the Map does.
    h.emulator.setFaults({
      failNth: [
        { operation: 'DeleteModel', n: 1, code: 'ValidationException', status: 400, message: 'Injected: not now' },
      ],
    });
    try {
      const result = await h.runner.start(
        'RightSizeEndpoint',
        rightSize('rs-abort', {
          candidates: { instanceTypes: ['ml.c5.large'], environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['2'] } },
          pattern: { stairs: { usersPerStep: 1, steps: 1, stepSeconds: 1 } },
        }),
      ).result;

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('ValidationException');
      expect(result.cause).toContain('Injected: not now');
      const entered = result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state?.name] : []));
      expect(entered.slice(-3)).toEqual(['CandidateFailed', 'DeleteAllCandidates', 'RightSizeFailed']);
      expect(await leftBehind('rs-abort-rs-')).toEqual([]);
    } finally {
      h.emulator.setFaults({});
    }
  });

  it('leaves nothing when its own clean-up fails too: the execution cleanup deletes the throwaways of a FAILED run', async () => {
    // DeleteCandidate's DeleteModel fails, so the Map does; DeleteAllCandidates' DeleteModel fails as well, so the
    // execution ends FAILED with the candidate's model still there, until the rule on FAILED runs the cleanup.
    const injected = { code: 'ValidationException', status: 400, message: 'Injected: not now' };
    h.emulator.setFaults({
      failNth: [
        { operation: 'DeleteModel', n: 1, ...injected },
        { operation: 'DeleteModel', n: 2, ...injected },
      ],
    });
    const before = cleanupsSoFar();
    try {
      const result = await h.runner.start(
        'RightSizeEndpoint',
        rightSize('rs-failed', {
          candidates: { instanceTypes: ['ml.c5.large'], environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['2'] } },
          pattern: { stairs: { usersPerStep: 1, steps: 1, stepSeconds: 1 } },
        }),
      ).result;

      expect(result.status).toBe('FAILED');
      const entered = result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state?.name] : []));
      expect(entered.slice(-3)).toEqual(['CandidateFailed', 'DeleteAllCandidates', 'RightSizeFailed']);
      // The execution's own clean-up failed: what is gone afterwards, the execution cleanup deleted.
      const caught = result.events.flatMap((e) => (e.type === 'StateCaught' ? [e.state.name] : []));
      expect(caught).toContain('DeleteAllCandidates');
      await cleanupRan(before);
      expect(await leftBehind('rs-failed-rs-')).toEqual([]);
    } finally {
      h.emulator.setFaults({});
    }
  });

  it('leaves nothing when aborted while a candidate is under load: the execution cleanup deletes it', async () => {
    const before = cleanupsSoFar();
    let execution: ReturnType<typeof h.runner.start> | undefined;
    execution = h.runner.start(
      'RightSizeEndpoint',
      rightSize('rs-aborted', {
        candidates: { instanceTypes: ['ml.c5.large'], environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['2'] } },
        pattern: { stairs: { usersPerStep: 1, steps: 2, stepSeconds: 2 } },
      }),
      {
        // Once the candidate serves and its load test begins: its endpoint, config and model all exist. Aborted from
        // the task's invocation itself, not from the event log, which a busy machine may deliver after the
        // execution has gone on (it then ended SUCCEEDED, under load 17).
        interceptTask: (task, invoke) => {
          if (task.stateName === 'GenerateLoad') execution?.abort();
          return invoke();
        },
      },
    );
    const result = await execution.result;

    expect(result.status).toBe('ABORTED');
    // The candidate was deployed and the execution never reached its own deletion of it.
    const entered = result.events.flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));
    expect(entered).toEqual(expect.arrayContaining(['DeployCandidate', 'DeploymentSucceeded', 'GenerateLoad']));
    expect(entered).not.toContain('DeleteCandidate');
    await cleanupRan(before);
    expect(await leftBehind('rs-aborted-rs-')).toEqual([]);
  });
});
