/** Reports as the workflows hand them on, for the rendering tests: figures shaped like a real run's. */
import type { LoadStepSummary, LoadTestReport, VariantMetrics } from '../../../contracts/parts/load-test.ts';
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
