import { performance } from 'node:perf_hooks';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { HealthCheckReport } from '../../workflows/parts/endpoint.ts';
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

const runtime = new SageMakerRuntimeClient({});
const clock = () => performance.now();
const invoke = endpointInvoker(runtime);
const invokeAsync = asyncEndpointInvoker(runtime);

/** Lambda entry of the HealthCheck step (an asynchronous endpoint's invocations are judged by JudgeAsyncResults). */
export const handler = stepHandler(
  HealthCheckState,
  'HealthCheck',
  async (state): Promise<HealthCheckOutput> =>
    state.request.async !== undefined
      ? startAsyncHealthCheck(state, { invoke, invokeAsync, clock })
      : healthCheck(state, { invoke, invokeAsync, clock }),
);
