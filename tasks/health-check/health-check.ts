import type { AsyncInference } from '../../contracts/parts/async-inference.ts';
import type { HealthCheckReport, HealthCheckSample, HealthCheckSpec } from '../../contracts/parts/endpoint.ts';
import type { AsyncHealthCheckRecord, AsyncRequestRecord, AsyncSamples } from '../_shared/async-health-check.ts';
import type { InvokeAsync } from '../_shared/async-runtime.ts';
import { CONNECTION_ERROR_CODES } from '../_shared/connection-errors.ts';
import type { InvocationRequest, Invoke } from '../_shared/endpoint-runtime.ts';
import {
  distinctFailures,
  failBelowMinimum,
  HEALTH_CHECK_SPEC_SLICE,
  type Outcome as JudgedOutcome,
  judge,
  percentile,
} from '../_shared/health-check-judging.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** A model of a multi-model endpoint, warmed up: its TargetModel and its first (cold) invocation's latency. */
interface WarmedUpModel {
  targetModel: string;
  coldMs: number;
}

/** The slice of the state document HealthCheck reads: the endpoint and the checks to run. */
export interface HealthCheckState {
  request: {
    endpointName: string;
    healthCheck: HealthCheckSpec;
    async?: AsyncInference | undefined;
    /** An inference component: every invocation names it (InferenceComponentName). */
    component?: { name: string } | undefined;
  };
  /** An asynchronous endpoint's samples, as UploadAsyncSamples put them in S3. */
  asyncSamples?: AsyncSamples | undefined;
  /** A multi-model endpoint's models (WarmUpModel's results): every sample runs against each of them. */
  warmedUp?: WarmedUpModel[] | undefined;
}
export const HealthCheckState = stateSlice<HealthCheckState>({
  warmedUp: optional('array'),
  asyncSamples: optional({ inputPrefix: 'string', inputLocations: 'array' }),
  request: {
    endpointName: 'string',
    async: optional('object'),
    component: optional({ name: 'string' }),
    healthCheck: HEALTH_CHECK_SPEC_SLICE,
  },
});

/** What HealthCheck needs from the outside. */
export interface HealthCheckDeps {
  invoke: Invoke;
  /** InvokeEndpointAsync, for an asynchronous endpoint. */
  invokeAsync?: InvokeAsync;
  /** Epoch milliseconds (when an asynchronous request was sent, for the step that judges it). @default Date.now */
  now?(): number;
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
    // A connection reset or refused before the answer came (the client makes one attempt: this loop retries).
    ...CONNECTION_ERROR_CODES,
  ],
} as const;

/** The InvokeEndpoint error SageMaker throttles with. */
const THROTTLED = 'ThrottlingException';

interface Outcome extends JudgedOutcome {
  /** Attempts answered with ThrottlingException. */
  throttled: number;
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

/**
 * Invokes the endpoint `invocations` times (samples in turn), `concurrency` at a time, and judges each answer;
 * throttled and transiently failed invocations are retried (INVOCATION_RETRY), and the latency is the last attempt's.
 * With `models` (a multi-model endpoint), each model gets that many invocations, and the report gives each
 * model's warm latency next to its cold one.
 */
async function runHealthCheck(
  endpointName: string,
  spec: HealthCheckSpec,
  deps: HealthCheckDeps,
  models: readonly WarmedUpModel[] = [],
  inferenceComponentName?: string,
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
          ...(inferenceComponentName !== undefined ? { inferenceComponentName } : {}),
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

/**
 * An asynchronous endpoint's half of the check: `invocations` InvokeEndpointAsync calls (samples in turn, from
 * where UploadAsyncSamples put them), `concurrency` at a time, each recorded with where its answer will be.
 * JudgeAsyncResults waits for the answers and judges them.
 */
async function sendAsyncInvocations(
  endpointName: string,
  spec: HealthCheckSpec,
  config: AsyncInference,
  samples: AsyncSamples,
  deps: HealthCheckDeps,
): Promise<AsyncHealthCheckRecord> {
  const { invokeAsync } = deps;
  if (invokeAsync === undefined) throw new Error('HealthCheck of an asynchronous endpoint needs invokeAsync');
  const now = deps.now ?? Date.now;
  const total = spec.invocations ?? spec.samples.length;
  const requests: AsyncRequestRecord[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const sampleIndex = index % spec.samples.length;
      const sample = spec.samples[sampleIndex] as HealthCheckSample;
      const invokedAt = now();
      const accepted = await invokeAsync({
        endpointName,
        inputLocation: samples.inputLocations[sampleIndex] as string,
        contentType: sample.contentType,
        ...(sample.accept !== undefined ? { accept: sample.accept } : {}),
        invocationTimeoutSeconds: config.healthCheckTimeoutSeconds,
        ...(deps.inferenceIdPrefix !== undefined ? { inferenceId: `${deps.inferenceIdPrefix}${index}` } : {}),
      });
      requests[index] =
        'error' in accepted
          ? { sample: sampleIndex, error: accepted.error }
          : { sample: sampleIndex, invokedAt, ...accepted };
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, total) }, worker));
  return { requests, ...(deps.inferenceIdPrefix !== undefined ? { inferenceIdPrefix: deps.inferenceIdPrefix } : {}) };
}

/** The HealthCheck step of an asynchronous endpoint: sends and records its invocations (JudgeAsyncResults judges). */
export async function startAsyncHealthCheck<S extends HealthCheckState>(state: S, deps: HealthCheckDeps) {
  const { async: config, endpointName, healthCheck: spec } = state.request;
  if (config === undefined || state.asyncSamples === undefined) {
    throw new Error('the health check of an asynchronous endpoint needs request.async and asyncSamples');
  }
  return {
    ...state,
    asyncHealthCheck: await sendAsyncInvocations(endpointName, spec, config, state.asyncSamples, deps),
  };
}

/** The HealthCheck step: real invocations of the endpoint; below the minimum success rate it fails. */
export async function healthCheck<S extends HealthCheckState>(state: S, deps: HealthCheckDeps) {
  const spec = state.request.healthCheck;
  const name = state.request.endpointName;
  const report = await runHealthCheck(name, spec, deps, state.warmedUp, state.request.component?.name);
  failBelowMinimum(name, report, spec.minSuccessRate);
  return { ...state, healthCheck: report };
}
