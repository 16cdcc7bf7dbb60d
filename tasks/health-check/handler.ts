import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { endpointInvoker } from '../_shared/endpoint-runtime.ts';
import { stepHandler } from '../_shared/handler.ts';
import { HealthCheckState, healthCheck } from './health-check.ts';

// One attempt per call: the health check retries throttled invocations itself (INVOCATION_RETRY), so it can count them.
const invoke = endpointInvoker(new SageMakerRuntimeClient({ maxAttempts: 1 }));

/** Lambda entry of the HealthCheck step. */
export const handler = stepHandler(HealthCheckState, 'HealthCheck', (state) =>
  healthCheck(state, {
    invoke,
    clock: () => performance.now(),
    // A fresh prefix per run, so the invocations of each run can be told apart in data capture records.
    inferenceIdPrefix: `health-check-${randomUUID().slice(0, 8)}-`,
  }),
);
