import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { HealthCheckReport } from '../../contracts/parts/endpoint.ts';
import type { AsyncHealthCheckRecord } from '../_shared/async-health-check.ts';
import { asyncEndpointInvoker } from '../_shared/async-runtime.ts';
import { endpointInvoker } from '../_shared/endpoint-runtime.ts';
import { stepHandler } from '../_shared/handler.ts';
import { HealthCheckState, healthCheck, startAsyncHealthCheck } from './health-check.ts';

/** The state after HealthCheck: a real-time endpoint's report, or an asynchronous endpoint's sent requests. */
type HealthCheckOutput = HealthCheckState & {
  healthCheck?: HealthCheckReport;
  asyncHealthCheck?: AsyncHealthCheckRecord;
};

// One attempt per call: the health check retries throttled invocations itself (INVOCATION_RETRY), so it can count them.
const invoke = endpointInvoker(new SageMakerRuntimeClient({ maxAttempts: 1 }));
// InvokeEndpointAsync only queues a request: the SDK's own retries are the right ones there.
const invokeAsync = asyncEndpointInvoker(new SageMakerRuntimeClient({}));

/** Lambda entry of the HealthCheck step (an asynchronous endpoint's invocations are judged by JudgeAsyncResults). */
export const handler = stepHandler(HealthCheckState, 'HealthCheck', async (state): Promise<HealthCheckOutput> => {
  // A fresh prefix per run, so the invocations of each run can be told apart in data capture records.
  const inferenceIdPrefix = `health-check-${randomUUID().slice(0, 8)}-`;
  return state.request.async !== undefined
    ? startAsyncHealthCheck(state, { invoke, invokeAsync, clock: () => performance.now(), inferenceIdPrefix })
    : healthCheck(state, { invoke, clock: () => performance.now(), inferenceIdPrefix });
});
