import { performance } from 'node:perf_hooks';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { asyncEndpointInvoker } from '../_shared/async-invocation.ts';
import { endpointInvoker } from '../_shared/endpoint-runtime.ts';
import { stepHandler } from '../_shared/handler.ts';
import { HealthCheckState, healthCheck } from './health-check.ts';

const runtime = new SageMakerRuntimeClient({});
const clock = () => performance.now();
const invoke = endpointInvoker(runtime);
const invokeAsync = asyncEndpointInvoker({ runtime, s3: new S3Client({}), clock });

/** Lambda entry of the HealthCheck step. */
export const handler = stepHandler(HealthCheckState, 'HealthCheck', (state) =>
  healthCheck(state, { invoke, invokeAsync, clock }),
);
