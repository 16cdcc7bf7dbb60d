import { performance } from 'node:perf_hooks';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { endpointInvoker } from '../_shared/endpoint-runtime.ts';
import { stepHandler } from '../_shared/handler.ts';
import { HealthCheckState, healthCheck } from './health-check.ts';

const invoke = endpointInvoker(new SageMakerRuntimeClient({}));

/** Lambda entry of the HealthCheck step. */
export const handler = stepHandler(HealthCheckState, 'HealthCheck', (state) =>
  healthCheck(state, { invoke, clock: () => performance.now() }),
);
