import type { ExecutionFacts } from '../../workflows/contract-parts.ts';
import { HealthCheckFailedError } from '../../workflows/errors.ts';
import type { AsyncInference } from '../../workflows/parts/async-inference.ts';
import type { HealthCheckReport, HealthCheckSample, HealthCheckSpec } from '../../workflows/parts/endpoint.ts';
import { ASYNC_QUEUE_ALLOWANCE_SECONDS, type InvokeAsync } from '../_shared/async-invocation.ts';
import type { InvocationResult, Invoke } from '../_shared/endpoint-runtime.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** A model of a multi-model endpoint, warmed up: its TargetModel and its first (cold) invocation's latency. */
export interface WarmedUpModel {
  targetModel: string;
  coldMs: number;
}

/** The slice of the state document HealthCheck reads: the endpoint and the checks to run. */
export interface HealthCheckState {
  request: { endpointName: string; healthCheck: HealthCheckSpec; async?: AsyncInference | undefined };
  /** The execution: an asynchronous check uploads its samples under a prefix named after it. */
  execution?: Pick<ExecutionFacts, 'name'> | undefined;
  /** A multi-model endpoint's models (WarmUpModel's results): every sample runs against each of them. */
  warmedUp?: WarmedUpModel[] | undefined;
}
export const HealthCheckState = stateSlice<HealthCheckState>({
  warmedUp: optional('array'),
  execution: optional({ name: 'string' }),
  request: {
    endpointName: 'string',
    async: optional('object'),
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
  /** InvokeEndpointAsync through S3, for an asynchronous endpoint. */
  invokeAsync?: InvokeAsync;
  /** Milliseconds from a monotonic clock. */
  clock(): number;
}

interface Outcome {
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
 * Invokes the endpoint `invocations` times (samples in turn), `concurrency` at a time, and judges each answer.
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
      const started = deps.clock();
      const result = await deps.invoke({
        endpointName,
        body: sample.body,
        contentType: sample.contentType,
        ...(sample.accept !== undefined ? { accept: sample.accept } : {}),
        ...(sample.targetVariant !== undefined ? { targetVariant: sample.targetVariant } : {}),
        ...(sample.targetContainerHostname !== undefined
          ? { targetContainerHostname: sample.targetContainerHostname }
          : {}),
        ...(targetModel !== undefined ? { targetModel } : {}),
      });
      const latencyMs = ('measuredMs' in result ? result.measuredMs : undefined) ?? deps.clock() - started;
      const failure = judge(sample, result, latencyMs, spec.latencyBudgetMs);
      const container =
        sample.targetContainerHostname !== undefined ? `container ${sample.targetContainerHostname} ` : '';
      const where =
        targetModel !== undefined ? `model ${targetModel} sample ${sampleIndex}` : `${container}sample ${sampleIndex}`;
      outcomes[index] = {
        ok: failure === undefined,
        latencyMs,
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

/** Where an asynchronous check uploads its samples: under the output path's bucket, per endpoint and execution. */
export function asyncHealthCheckPrefix(outputPath: string, endpointName: string, executionName: string): string {
  const bucket = /^s3:\/\/([^/]+)/.exec(outputPath)?.[1] ?? '';
  return `s3://${bucket}/${ASYNC_HEALTH_CHECK_FOLDER}/${endpointName}/${executionName}/`;
}

/** The folder of the output path's bucket that asynchronous health checks upload their samples to. */
export const ASYNC_HEALTH_CHECK_FOLDER = 'smwf-health-check';

/** The HealthCheck step: real invocations of the endpoint; below the minimum success rate it fails. */
export async function healthCheck<S extends HealthCheckState>(state: S, deps: HealthCheckDeps) {
  const spec = state.request.healthCheck;
  const name = state.request.endpointName;
  const asyncConfig = state.request.async;
  let report: HealthCheckReport;
  if (asyncConfig === undefined) {
    report = await runHealthCheck(name, spec, deps, state.warmedUp);
  } else {
    if (deps.invokeAsync === undefined) throw new Error('HealthCheck of an asynchronous endpoint needs invokeAsync');
    const inputPrefix = asyncHealthCheckPrefix(asyncConfig.s3OutputPath, name, state.execution?.name ?? 'manual');
    const invoke = deps.invokeAsync({
      inputPrefix,
      invocationTimeoutSeconds: asyncConfig.healthCheckTimeoutSeconds,
      deadlineMs: (asyncConfig.healthCheckTimeoutSeconds + ASYNC_QUEUE_ALLOWANCE_SECONDS) * 1000,
    });
    report = { ...(await runHealthCheck(name, spec, { ...deps, invoke })), asyncInference: { inputPrefix } };
  }
  if (report.successRate < spec.minSuccessRate) {
    const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;
    throw new HealthCheckFailedError(
      `Health check of endpoint ${name} failed: ${report.succeeded}/${report.invocations} invocations succeeded ` +
        `(${pct(report.successRate)}, ${pct(spec.minSuccessRate)} required). ${report.failures.join('; ')}`,
    );
  }
  return { ...state, healthCheck: report };
}
