import { performance } from 'node:perf_hooks';
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { stepHandler } from '../_shared/handler.ts';
import { HealthCheckState, healthCheck, type InvocationRequest, type InvocationResult } from './health-check.ts';

const runtime = new SageMakerRuntimeClient({});

/** InvokeEndpoint, with the container's own status and message when it answered with an error. */
async function invoke(request: InvocationRequest): Promise<InvocationResult> {
  try {
    const out = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: request.endpointName,
        Body: new TextEncoder().encode(request.body),
        ContentType: request.contentType,
        ...(request.accept !== undefined ? { Accept: request.accept } : {}),
        ...(request.targetVariant !== undefined ? { TargetVariant: request.targetVariant } : {}),
      }),
    );
    return { status: 200, body: new TextDecoder().decode(out.Body) };
  } catch (error) {
    if (error instanceof ModelError) {
      return { status: error.OriginalStatusCode ?? 500, body: error.OriginalMessage ?? error.message };
    }
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    return { error: `InvokeEndpoint failed with ${name}: ${message}` };
  }
}

/** Lambda entry of the HealthCheck step. */
export const handler = stepHandler(HealthCheckState, 'HealthCheck', (state) =>
  healthCheck(state, { invoke, clock: () => performance.now() }),
);
