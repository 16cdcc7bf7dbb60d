import { HealthCheckFailedError } from '../../workflows/errors.ts';
import type { HealthCheckReport, HealthCheckSample, HealthCheckSpec } from '../../workflows/parts/endpoint.ts';
import type { InvocationRequest, InvocationResult, Invoke } from '../_shared/endpoint-runtime.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** A model of a multi-model endpoint, warmed up: its TargetModel and its first (cold) invocation's latency. */
export interface WarmedUpModel {
  targetModel: string;
  coldMs: number;
}

/** The slice of the state document HealthCheck reads: the endpoint and the checks to run. */
export interface HealthCheckState {
  request: { endpointName: string; healthCheck: HealthCheckSpec };
  /** A multi-model endpoint's models (WarmUpModel's results): every sample runs against each of them. */
  warmedUp?: WarmedUpModel[] | undefined;
}
export const HealthCheckState = stateSlice<HealthCheckState>({
  warmedUp: optional('array'),
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

/** What HealthCheck needs from the outside. */
export interface HealthCheckDeps {
  invoke: Invoke;
  /** Milliseconds from a monotonic clock. */
  clock(): number;
  /** Each invocation is sent with InferenceId `<prefix><invocation number>` (0-based). @default no InferenceId */
  inferenceIdPrefix?: string;
  /** Waits before an invocation is retried. @default a timer */
  sleep?(ms: number): Promise<void>;
  /** A number in [0, 1) for the retry jitter. @default Math.random */
  random?(): number;
}

/**
 * How an invocation that SageMaker throttled (a serverless endpoint beyond its MaxConcurrency, say) or answered
 * with a transient error is retried: up to `maxAttempts` attempts in all, waiting a random time up to
 * min(maxDelayMs, baseDelayMs * 2^retry) before each retry (full jitter). The report counts the throttled
 * attempts; a sample still refused after the last attempt fails with SageMaker's error.
 */
export const INVOCATION_RETRY = {
  maxAttempts: 8,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  errors: [
    'ThrottlingException',
    'ModelNotReadyException',
    'ServiceUnavailable',
    'InternalFailure',
    'InternalDependencyException',
  ],
} as const;

/** The InvokeEndpoint error SageMaker throttles with. */
const THROTTLED = 'ThrottlingException';

interface Outcome {
  ok: boolean;
  latencyMs: number;
  /** Attempts answered with ThrottlingException. */
  throttled: number;
  targetModel?: string;
  failure?: string;
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Invokes once, and again as INVOCATION_RETRY says; the last attempt's result and latency, and the throttles. */
async function invokeWithRetry(request: InvocationRequest, deps: HealthCheckDeps) {
  const sleep = deps.sleep ?? timer;
  const random = deps.random ?? Math.random;
  let throttled = 0;
  for (let attempt = 1; ; attempt++) {
    const started = deps.clock();
    const result = await deps.invoke(request);
    const latencyMs = deps.clock() - started;
    const errorName = 'errorName' in result ? result.errorName : undefined;
    if (errorName === THROTTLED) throttled += 1;
    const retryable = errorName !== undefined && (INVOCATION_RETRY.errors as readonly string[]).includes(errorName);
    if (!retryable || attempt >= INVOCATION_RETRY.maxAttempts) return { result, latencyMs, throttled };
    const ceiling = Math.min(INVOCATION_RETRY.maxDelayMs, INVOCATION_RETRY.baseDelayMs * 2 ** (attempt - 1));
    await sleep(Math.floor(random() * ceiling));
  }
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

/**
 * Invokes the endpoint `invocations` times (samples in turn), `concurrency` at a time, and judges each answer;
 * throttled and transiently failed invocations are retried (INVOCATION_RETRY), and the latency is the last attempt's.
 * With `models` (a multi-model endpoint), each model gets that many invocations, and the report gives each
 * model's warm latency next to its cold one.
 */
export async function runHealthCheck(
  endpointName: string,
  spec: HealthCheckSpec,
  deps: HealthCheckDeps,
  models: readonly WarmedUpModel[] = [],
) {
  const perTarget = spec.invocations ?? spec.samples.length;
  const targets = models.length > 0 ? models.map((m) => m.targetModel) : [undefined];
  const total = perTarget * targets.length;
  const outcomes: Outcome[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const targetModel = targets[Math.floor(index / perTarget)];
      const sampleIndex = (index % perTarget) % spec.samples.length;
      const sample = spec.samples[sampleIndex] as HealthCheckSample;
      const { result, latencyMs, throttled } = await invokeWithRetry(
        {
          endpointName,
          body: sample.body,
          contentType: sample.contentType,
          ...(sample.accept !== undefined ? { accept: sample.accept } : {}),
          ...(sample.targetVariant !== undefined ? { targetVariant: sample.targetVariant } : {}),
          ...(sample.targetContainerHostname !== undefined
            ? { targetContainerHostname: sample.targetContainerHostname }
            : {}),
          ...(targetModel !== undefined ? { targetModel } : {}),
          ...(deps.inferenceIdPrefix !== undefined ? { inferenceId: `${deps.inferenceIdPrefix}${index}` } : {}),
        },
        deps,
      );
      const failure = judge(sample, result, latencyMs, spec.latencyBudgetMs);
      const container =
        sample.targetContainerHostname !== undefined ? `container ${sample.targetContainerHostname} ` : '';
      const where =
        targetModel !== undefined ? `model ${targetModel} sample ${sampleIndex}` : `${container}sample ${sampleIndex}`;
      outcomes[index] = {
        ok: failure === undefined,
        latencyMs,
        throttled,
        ...(targetModel !== undefined ? { targetModel } : {}),
        ...(failure !== undefined ? { failure: `${where}: ${failure}` } : {}),
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
  const throttled = outcomes.reduce((sum, o) => sum + o.throttled, 0);
  if (throttled > 0) report.throttled = throttled;
  if (deps.inferenceIdPrefix !== undefined) report.inferenceIdPrefix = deps.inferenceIdPrefix;
  if (models.length > 0) {
    report.models = models.map(({ targetModel, coldMs }) => {
      const own = outcomes.filter((o) => o.targetModel === targetModel);
      const warm = own.map((o) => o.latencyMs).sort((a, b) => a - b);
      return {
        targetModel,
        coldMs: Math.round(coldMs),
        warmMs: { p50: percentile(warm, 50), p95: percentile(warm, 95) },
        succeeded: own.filter((o) => o.ok).length,
        invocations: own.length,
      };
    });
  }
  return report;
}

/** The HealthCheck step: real invocations of the endpoint; below the minimum success rate it fails. */
export async function healthCheck<S extends HealthCheckState>(state: S, deps: HealthCheckDeps) {
  const spec = state.request.healthCheck;
  const name = state.request.endpointName;
  const report = await runHealthCheck(name, spec, deps, state.warmedUp);
  if (report.successRate < spec.minSuccessRate) {
    const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;
    throw new HealthCheckFailedError(
      `Health check of endpoint ${name} failed: ${report.succeeded}/${report.invocations} invocations succeeded ` +
        `(${pct(report.successRate)}, ${pct(spec.minSuccessRate)} required). ${report.failures.join('; ')}`,
    );
  }
  return { ...state, healthCheck: report };
}
