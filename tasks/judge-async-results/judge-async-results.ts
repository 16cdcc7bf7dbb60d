import type { AsyncInference } from '../../contracts/parts/async-inference.ts';
import type { HealthCheckSample, HealthCheckSpec } from '../../contracts/parts/endpoint.ts';
import {
  ASYNC_QUEUE_ALLOWANCE_SECONDS,
  type AsyncHealthCheckRecord,
  type AsyncSamples,
  failureResult,
} from '../_shared/async-health-check.ts';
import type { AsyncObjects } from '../_shared/async-objects.ts';
import type { InvocationResult } from '../_shared/endpoint-runtime.ts';
import {
  failBelowMinimum,
  HEALTH_CHECK_SPEC_SLICE,
  judge,
  type Outcome,
  summarize,
} from '../_shared/health-check-judging.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document JudgeAsyncResults reads: the check, and the requests HealthCheck sent. */
export interface JudgeAsyncResultsState {
  request: {
    endpointName: string;
    healthCheck: HealthCheckSpec;
    async: Pick<AsyncInference, 'healthCheckTimeoutSeconds'>;
  };
  asyncSamples: Pick<AsyncSamples, 'inputPrefix'>;
  asyncHealthCheck: AsyncHealthCheckRecord;
}
export const JudgeAsyncResultsState = stateSlice<JudgeAsyncResultsState>({
  request: {
    endpointName: 'string',
    healthCheck: HEALTH_CHECK_SPEC_SLICE,
    async: { healthCheckTimeoutSeconds: 'number' },
  },
  asyncSamples: { inputPrefix: 'string' },
  asyncHealthCheck: { requests: 'array', inferenceIdPrefix: optional('string') },
});

/** What JudgeAsyncResults needs from the outside. */
interface JudgeAsyncResultsDeps {
  objects: Pick<AsyncObjects, 'readIfWritten'>;
  /** Epoch milliseconds (requests carry the epoch time they were sent). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;

/**
 * The JudgeAsyncResults step: polls each request's output and failure locations until one exists, for at most
 * its InvocationTimeoutSeconds plus a queue allowance after it was sent, and judges what it finds against its
 * sample. The report's latencies are queue latencies (InvokeEndpointAsync to the object seen). Below the minimum
 * success rate it fails with HealthCheckFailedError, like HealthCheck.
 */
export async function judgeAsyncResults<S extends JudgeAsyncResultsState>(state: S, deps: JudgeAsyncResultsDeps) {
  const { endpointName, healthCheck: spec, async: config } = state.request;
  const deadlineMs = (config.healthCheckTimeoutSeconds + ASYNC_QUEUE_ALLOWANCE_SECONDS) * 1000;
  const requests = state.asyncHealthCheck.requests;
  const outcomes: Outcome[] = new Array(requests.length);
  const record = (index: number, result: InvocationResult, latencyMs: number) => {
    const sampleIndex = requests[index]?.sample ?? 0;
    const sample = spec.samples[sampleIndex] as HealthCheckSample;
    const failure = judge(sample, result, latencyMs, spec.latencyBudgetMs);
    outcomes[index] = {
      ok: failure === undefined,
      latencyMs,
      ...(failure !== undefined ? { failure: `sample ${sampleIndex}: ${failure}` } : {}),
    };
  };
  const pending = new Set<number>();
  for (const [index, request] of requests.entries()) {
    if ('error' in request) record(index, { error: request.error, errorName: 'InvokeEndpointAsync' }, 0);
    else pending.add(index);
  }
  let pollMs = FIRST_POLL_MS;
  while (pending.size > 0) {
    for (const index of [...pending]) {
      const request = requests[index];
      if (request === undefined || 'error' in request) continue;
      const output = await deps.objects.readIfWritten(request.outputLocation);
      const failed =
        output === undefined && request.failureLocation !== undefined
          ? await deps.objects.readIfWritten(request.failureLocation)
          : undefined;
      const waited = deps.now() - request.invokedAt;
      let result: InvocationResult | undefined;
      if (output !== undefined) result = { status: 200, body: output };
      else if (failed !== undefined) result = failureResult(failed);
      else if (waited > deadlineMs) {
        const failure = request.failureLocation !== undefined ? ` and no failure at ${request.failureLocation}` : '';
        result = {
          error: `no output at ${request.outputLocation}${failure} within ${Math.round(deadlineMs / 1000)} s`,
          errorName: 'AsyncInferenceTimeout',
        };
      }
      if (result !== undefined) {
        record(index, result, waited);
        pending.delete(index);
      }
    }
    if (pending.size === 0) break;
    await deps.sleep(pollMs);
    pollMs = Math.min(MAX_POLL_MS, pollMs * 2);
  }
  const { inferenceIdPrefix } = state.asyncHealthCheck;
  const report = {
    ...summarize(outcomes),
    ...(inferenceIdPrefix !== undefined ? { inferenceIdPrefix } : {}),
    asyncInference: { inputPrefix: state.asyncSamples.inputPrefix },
  };
  failBelowMinimum(endpointName, report, spec.minSuccessRate);
  return { ...state, healthCheck: report };
}
