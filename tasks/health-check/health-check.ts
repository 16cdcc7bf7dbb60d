import { HealthCheckFailedError } from '../../workflows/errors.ts';
import type { HealthCheckReport, HealthCheckSample, HealthCheckSpec } from '../../workflows/parts/endpoint.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document HealthCheck reads: the endpoint and the checks to run. */
export interface HealthCheckState {
  request: { endpointName: string; healthCheck: HealthCheckSpec };
}
export const HealthCheckState = stateSlice<HealthCheckState>({
  request: {
    endpointName: 'string',
    healthCheck: {
      samples: 'array',
      concurrency: 'number',
      minSuccessRate: 'number',
      invocations: optional('number'),
      latencyBudgetMs: optional('number'),
    },
  },
});

/** One InvokeEndpoint request of the health check. */
export interface InvocationRequest {
  endpointName: string;
  body: string;
  contentType: string;
  accept?: string;
  targetVariant?: string;
}

/** What came back: the container's status (ModelError's OriginalStatusCode when it failed) and body. */
export type InvocationResult = { status: number; body: string } | { error: string };

/** What HealthCheck needs from the outside. */
export interface HealthCheckDeps {
  invoke(request: InvocationRequest): Promise<InvocationResult>;
  /** Milliseconds from a monotonic clock. */
  clock(): number;
}

interface Outcome {
  ok: boolean;
  latencyMs: number;
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
    return `expected status ${sample.expectedStatus}, got ${result.status} with body ${quote(result.body)}`;
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

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] ?? 0);
}

/** The distinct failure reasons, most frequent first, each with how often it happened. */
function distinctFailures(outcomes: readonly Outcome[]): string[] {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (o.failure) counts.set(o.failure, (counts.get(o.failure) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_REPORTED_FAILURES)
    .map(([failure, count]) => (count > 1 ? `${failure} (${count} times)` : failure));
}

/** Invokes the endpoint `invocations` times (samples in turn), `concurrency` at a time, and judges each answer. */
export async function runHealthCheck(endpointName: string, spec: HealthCheckSpec, deps: HealthCheckDeps) {
  const total = spec.invocations ?? spec.samples.length;
  const outcomes: Outcome[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const sample = spec.samples[index % spec.samples.length] as HealthCheckSample;
      const started = deps.clock();
      const result = await deps.invoke({
        endpointName,
        body: sample.body,
        contentType: sample.contentType,
        ...(sample.accept !== undefined ? { accept: sample.accept } : {}),
        ...(sample.targetVariant !== undefined ? { targetVariant: sample.targetVariant } : {}),
      });
      const latencyMs = deps.clock() - started;
      const failure = judge(sample, result, latencyMs, spec.latencyBudgetMs);
      outcomes[index] = {
        ok: failure === undefined,
        latencyMs,
        ...(failure !== undefined ? { failure: `sample ${index % spec.samples.length}: ${failure}` } : {}),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, total) }, worker));
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const succeeded = outcomes.filter((o) => o.ok).length;
  const report: HealthCheckReport = {
    invocations: total,
    succeeded,
    successRate: succeeded / total,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: percentile(latencies, 100) },
    failures: distinctFailures(outcomes),
  };
  return report;
}

/** The HealthCheck step: real invocations of the endpoint; below the minimum success rate it fails. */
export async function healthCheck<S extends HealthCheckState>(state: S, deps: HealthCheckDeps) {
  const spec = state.request.healthCheck;
  const name = state.request.endpointName;
  const report = await runHealthCheck(name, spec, deps);
  if (report.successRate < spec.minSuccessRate) {
    const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;
    throw new HealthCheckFailedError(
      `Health check of endpoint ${name} failed: ${report.succeeded}/${report.invocations} invocations succeeded ` +
        `(${pct(report.successRate)}, ${pct(spec.minSuccessRate)} required). ${report.failures.join('; ')}`,
    );
  }
  return { ...state, healthCheck: report };
}
