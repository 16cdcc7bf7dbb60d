/**
 * How a health check judges answers and sums them up, shared by the steps that judge (HealthCheck for real-time
 * endpoints, JudgeAsyncResults for asynchronous ones): each answer against its sample, the report's percentiles
 * and distinct failures, and the failure when too few succeeded.
 */
import { HealthCheckFailedError } from '../../contracts/errors.ts';
import type { HealthCheckReport, HealthCheckSample } from '../../contracts/parts/endpoint.ts';
import type { InvocationResult } from './endpoint-runtime.ts';
import { optional, type Spec } from './state-slice.ts';

/** One judged invocation. */
export interface Outcome {
  ok: boolean;
  latencyMs: number;
  targetModel?: string;
  failure?: string;
}

const MAX_REPORTED_FAILURES = 5;
const MAX_QUOTED_BODY = 200;

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED_BODY ? `${text.slice(0, MAX_QUOTED_BODY)}...` : text);
}

/** Why one answer does not meet its sample's expectations, or undefined when it does. */
export function judge(sample: HealthCheckSample, result: InvocationResult, latencyMs: number, budgetMs?: number) {
  if ('error' in result) return result.error;
  if (result.status !== sample.expectedStatus) {
    // A pipeline's failing stage: SageMaker names the container that answered with the error.
    const from = result.container !== undefined ? ` from container ${result.container}` : '';
    return `expected status ${sample.expectedStatus}, got ${result.status}${from} with body ${quote(result.body)}`;
  }
  if (sample.expectedOutput !== undefined && result.body.trim() !== sample.expectedOutput.trim()) {
    return `expected output ${quote(sample.expectedOutput)}, got ${quote(result.body)}`;
  }
  if (sample.expectedOutputContains !== undefined && !result.body.includes(sample.expectedOutputContains)) {
    return `expected output containing ${quote(sample.expectedOutputContains)}, got ${quote(result.body)}`;
  }
  if (budgetMs !== undefined && latencyMs > budgetMs) {
    return `took ${Math.round(latencyMs)} ms, over the ${budgetMs} ms latency budget`;
  }
  return undefined;
}

/** The p-th percentile of sorted values, rounded to whole milliseconds. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] ?? 0);
}

/** The distinct failure reasons, most frequent first, each with how often it happened. */
export function distinctFailures(outcomes: readonly Outcome[]): string[] {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (o.failure) counts.set(o.failure, (counts.get(o.failure) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_REPORTED_FAILURES)
    .map(([failure, count]) => (count > 1 ? `${failure} (${count} times)` : failure));
}

/** The report of judged invocations: counts, success rate, latency percentiles, distinct failures. */
export function summarize(outcomes: readonly Outcome[]): HealthCheckReport {
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const succeeded = outcomes.filter((o) => o.ok).length;
  return {
    invocations: outcomes.length,
    succeeded,
    successRate: succeeded / outcomes.length,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: percentile(latencies, 100) },
    failures: distinctFailures(outcomes),
  };
}

/** Throws HealthCheckFailedError when the report is below the minimum success rate. */
export function failBelowMinimum(endpointName: string, report: HealthCheckReport, minSuccessRate: number): void {
  if (report.successRate >= minSuccessRate) return;
  const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;
  throw new HealthCheckFailedError(
    `Health check of endpoint ${endpointName} failed: ${report.succeeded}/${report.invocations} invocations succeeded ` +
      `(${pct(report.successRate)}, ${pct(minSuccessRate)} required). ${report.failures.join('; ')}`,
  );
}

/** The state slice of the health-check spec that HealthCheck and JudgeAsyncResults both read. */
export const HEALTH_CHECK_SPEC_SLICE = {
  samples: 'array',
  concurrency: 'number',
  minSuccessRate: 'number',
  invocations: optional('number'),
  latencyBudgetMs: optional('number'),
} as const satisfies Spec<HealthCheckSpecSlice>;

/** The health-check spec members the steps read. */
interface HealthCheckSpecSlice {
  samples: HealthCheckSample[];
  concurrency: number;
  minSuccessRate: number;
  invocations?: number | undefined;
  latencyBudgetMs?: number | undefined;
}
