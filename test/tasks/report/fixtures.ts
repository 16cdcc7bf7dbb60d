/** Reports as the workflows hand them on, for the rendering tests: figures shaped like a real run's. */
import { HOSTING_PRICE_SOURCES } from '../../../contracts/parts/hosting-prices.ts';
import type { LoadStepSummary, LoadTestReport, VariantMetrics } from '../../../contracts/parts/load-test.ts';
import type { RankedCandidate, RightSizeReport } from '../../../contracts/parts/right-size.ts';
import type { LoadTestReportContext } from '../../../tasks/_shared/report/load-test-report.ts';

function variant(modelLatency: number, cpu: number): VariantMetrics {
  return {
    variantName: 'AllTraffic',
    invocations: 1000,
    invocation4xxErrors: 0,
    invocation5xxErrors: 0,
    modelLatencyMs: { average: modelLatency, maximum: modelLatency * 2 },
    overheadLatencyMs: { average: 0.4, maximum: 1.2 },
    cpuUtilization: { average: cpu, maximum: cpu + 10 },
    memoryUtilization: { average: 3.2, maximum: 3.4 },
  };
}

/** One step: `users` closed-loop users each waiting `latency` ms, 20 s long. */
export function step(
  index: number,
  users: number,
  p95: number,
  overrides: Partial<LoadStepSummary> = {},
): LoadStepSummary {
  const rps = (users * 1000) / p95;
  const requests = Math.round(rps * 20);
  return {
    step: index,
    users,
    durationSeconds: 20,
    startedAt: 1_780_000_000_000 + index * 21_000,
    endedAt: 1_780_000_020_000 + index * 21_000,
    workers: 1,
    lateWorkers: 0,
    maxLateStartMs: 0,
    requests,
    succeeded: requests,
    throttled: 0,
    statuses: { '200': requests },
    errors: {},
    maxInvocations: rps * 60,
    requestsPerSecond: rps,
    errorRate: 0,
    latencyMs: {
      p50: p95 * 0.8,
      p90: p95 * 0.95,
      p95,
      p99: p95 * 1.2,
      min: p95 * 0.5,
      max: p95 * 1.5,
      mean: p95 * 0.82,
    },
    passed: true,
    sageMaker: [variant(p95 * 0.7, 40 * users)],
    ...overrides,
  };
}

/** A stairs test of three steps whose third breaks a P95 threshold of 60 ms. */
export function loadTestReport(endpointName = 'churn-predictor'): LoadTestReport {
  return {
    endpointName,
    variants: [{ variantName: 'AllTraffic', instanceType: 'ml.m5.large', instanceCount: 1, serverless: false }],
    steps: [
      step(0, 2, 21),
      step(1, 4, 42),
      step(2, 6, 75, {
        passed: false,
        errors: { ModelError: 3 },
        stoppedBy: { condition: 'latencyThreshold', detail: 'P95 75 ms > 60 ms' },
      }),
    ],
    verdict: {
      highestPassingStep: 1,
      maxInvocations: ((4 * 1000) / 42) * 60,
      users: 4,
      latencyMs: { p50: 33.6, p90: 39.9, p95: 42, p99: 50.4, min: 21, max: 63, mean: 34.4 },
      modelLatencyMs: 29.4,
      stoppedBy: { step: 2, condition: 'latencyThreshold', detail: 'P95 75 ms > 60 ms' },
    },
    resultsUri: `s3://artifacts/load-tests/exec-1/${endpointName}/`,
  };
}

/** A local run's context. */
export const localContext: LoadTestReportContext = {
  workflow: 'LoadTestEndpoint',
  executionName: 'churn-predictor-1a2b3c',
  generatedAt: '2026-12-06T16:00:00.000Z',
  site: { kind: 'local', endpointUrl: 'http://127.0.0.1:4566', cpuCount: 2, cpuModel: 'Test CPU', memoryGiB: 24 },
  latencyThreshold: { percentile: 'P95', valueMs: 60 },
};

/** A candidate's load test: stairs of 1, 2, 3 users on a server of `workers` × `instances` at 20 ms a request. */
function candidateSteps(capacityRps: number) {
  return [1, 2, 3, 4].map((users, step) => {
    const rps = Math.min(users * 45, capacityRps);
    const p95 = rps < capacityRps ? 24 : (users * 1000) / capacityRps + 8;
    return {
      step,
      users,
      requestsPerSecond: rps,
      maxInvocations: rps * 60,
      errorRate: 0,
      latencyMs: { p50: p95 * 0.85, p90: p95 * 0.95, p95, p99: p95 * 1.2, min: 20, max: p95 * 1.5, mean: p95 * 0.87 },
      passed: p95 <= 60,
    };
  });
}

function ranked(
  index: number,
  label: string,
  capacityRps: number,
  fields: Partial<RankedCandidate> & Pick<RankedCandidate, 'instanceType' | 'instanceCount'>,
): RankedCandidate {
  const steps = candidateSteps(capacityRps);
  const best = steps.filter((s) => s.passed).at(-1);
  const costPerHour = 0.115 * (fields.instanceCount ?? 1);
  const perInstance = (best?.requestsPerSecond ?? 0) / (fields.instanceCount ?? 1);
  const instances = Math.ceil(100 / (perInstance * 0.5));
  return {
    index,
    label,
    environment: {},
    endpointName: `churn-rs-1a2b3c-${index}`,
    outcome: 'tested',
    rank: index + 1,
    maxInvocations: (best?.requestsPerSecond ?? 0) * 60,
    requestsPerSecond: best?.requestsPerSecond ?? null,
    requestsPerSecondPerInstance: perInstance,
    latencyMs: best?.latencyMs ?? null,
    modelLatencyMs: 20.4,
    cpuUtilization: 85,
    memoryUtilization: 3.1,
    price: { basis: 'sourced', usd: 0.115, unit: 'instance-hour', sources: ['awsDgInstanceRecommendation'] },
    costPerHour,
    costPerInference: costPerHour / ((best?.requestsPerSecond ?? 1) * 3600),
    costPerMillionInferences: (costPerHour / ((best?.requestsPerSecond ?? 1) * 3600)) * 1e6,
    instanceCountForTarget: instances,
    serverlessConcurrencyForTarget: null,
    costPerHourAtTarget: 0.115 * instances,
    meetsTarget: true,
    steps,
    resultsUri: `s3://artifacts/load-tests/exec/churn-rs-1a2b3c-${index}/`,
    ...fields,
  };
}

/** Four candidates: three tested (the second recommended), one whose endpoint did not deploy. */
export function rightSizeReport(): RightSizeReport {
  const candidates: RankedCandidate[] = [
    ranked(1, 'ml.m5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2', 100, {
      instanceType: 'ml.m5.large',
      instanceCount: 1,
    }),
    ranked(0, 'ml.m5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=1', 50, {
      instanceType: 'ml.m5.large',
      instanceCount: 1,
    }),
    ranked(2, 'ml.m5.large × 2, SAGEMAKER_MODEL_SERVER_WORKERS=1', 80, {
      instanceType: 'ml.m5.large',
      instanceCount: 2,
      rank: 3,
    }),
    {
      ...ranked(3, 'ml.m5.xlarge × 1, SAGEMAKER_MODEL_SERVER_WORKERS=1', 0, {
        instanceType: 'ml.m5.xlarge',
        instanceCount: 1,
        price: { basis: 'estimate', usd: 0.23, unit: 'instance-hour', sources: [] },
      }),
      outcome: 'deployFailed',
      rank: null,
      failure: {
        error: 'DeploymentFailedError',
        cause: 'The primary container for production variant AllTraffic did not pass the ping health check.',
      },
      maxInvocations: null,
      requestsPerSecond: null,
      requestsPerSecondPerInstance: null,
      latencyMs: null,
      modelLatencyMs: null,
      cpuUtilization: null,
      memoryUtilization: null,
      costPerHour: null,
      costPerInference: null,
      costPerMillionInferences: null,
      instanceCountForTarget: null,
      costPerHourAtTarget: null,
      meetsTarget: false,
      notMeetingBecause: 'it did not deploy',
      steps: [],
    },
  ];
  candidates[0] = { ...candidates[0], rank: 1 } as RankedCandidate;
  candidates[1] = { ...candidates[1], rank: 2 } as RankedCandidate;
  return {
    engine: 'load-test',
    target: { requestsPerSecond: 100, safetyFactor: 0.5, latencyThreshold: { percentile: 'P95', valueMs: 60 } },
    prices: {
      kind: 'table',
      region: 'us-east-1',
      currency: 'USD',
      tableUrl: 'https://aws.amazon.com/sagemaker/pricing/',
      tableDate: '2026-12-06',
      overridden: [],
      sourced: ['ml.m5.large'],
      estimated: ['ml.m5.xlarge'],
      sources: [{ id: 'awsDgInstanceRecommendation', ...HOSTING_PRICE_SOURCES.awsDgInstanceRecommendation }],
      unpriced: [],
    },
    candidates,
    recommendation: {
      candidateIndex: 1,
      label: 'ml.m5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2',
      instanceType: 'ml.m5.large',
      instanceCount: 2,
      environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' },
      costPerHour: 0.23,
      costPerMillionInferences: 0.32,
      invocationsPerInstanceTarget: 3000,
      reason:
        'ml.m5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2 is the cheapest candidate at 100 requests per second with P95 ≤ 60 ms: one instance sustained 100 per second, so 2 instances at a safety factor of 0.5',
      deployEndpointInput: {
        endpointName: 'churn',
        model: {
          image: 'example-model-server',
          modelDataUrl: 's3://artifacts/models/churn/model.tar.gz',
          environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' },
        },
        variants: [{ instanceType: 'ml.m5.large', initialInstanceCount: 2 }],
        healthCheck: { samples: [{ contentType: 'text/csv', body: '1,2' }] },
        autoScaling: {
          AllTraffic: { minCapacity: 2, maxCapacity: 4, targetInvocationsPerInstance: 3000 },
        },
      } as never,
    },
    notes: [],
  };
}
