/**
 * InvokeEndpoint as the steps that invoke an endpoint see it: the container's answer (its status and body,
 * ModelError's original ones when it answered with an error), or SageMaker's own error by name.
 */
import { InvokeEndpointCommand, ModelError, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { connectionErrorCode } from './connection-errors.ts';

/** One InvokeEndpoint request. */
export interface InvocationRequest {
  endpointName: string;
  body: string;
  contentType: string;
  accept?: string;
  targetVariant?: string;
  /** Multi-model endpoints: the model to invoke, its key relative to the endpoint's prefix. */
  targetModel?: string;
  /** Multi-container endpoints invoked per container (Direct): the container to invoke. */
  targetContainerHostname?: string;
  /** Identifies the invocation in data capture records (InvokeEndpoint's InferenceId). */
  inferenceId?: string;
  /** An endpoint of inference components: the component to invoke (X-Amzn-SageMaker-Inference-Component). */
  inferenceComponentName?: string;
}

/** What came back: the container's status and body, or SageMaker's error (its name and message). */
export type InvocationResult =
  | {
      status: number;
      body: string;
      /** The container that answered with an error, as SageMaker names it (a pipeline's failing stage). */
      container?: string;
    }
  | { error: string; errorName: string };

/** Invokes an endpoint. */
export type Invoke = (request: InvocationRequest) => Promise<InvocationResult>;

/** The Invoke backed by the AWS SDK runtime client. */
export function endpointInvoker(runtime: SageMakerRuntimeClient): Invoke {
  return async (request) => {
    try {
      const out = await runtime.send(
        new InvokeEndpointCommand({
          EndpointName: request.endpointName,
          Body: new TextEncoder().encode(request.body),
          ContentType: request.contentType,
          ...(request.accept !== undefined ? { Accept: request.accept } : {}),
          ...(request.targetVariant !== undefined ? { TargetVariant: request.targetVariant } : {}),
          ...(request.targetModel !== undefined ? { TargetModel: request.targetModel } : {}),
          ...(request.targetContainerHostname !== undefined
            ? { TargetContainerHostname: request.targetContainerHostname }
            : {}),
          ...(request.inferenceId !== undefined ? { InferenceId: request.inferenceId } : {}),
          ...(request.inferenceComponentName !== undefined
            ? { InferenceComponentName: request.inferenceComponentName }
            : {}),
        }),
      );
      return { status: 200, body: new TextDecoder().decode(out.Body) };
    } catch (error) {
      if (error instanceof ModelError) {
        // SageMaker's message names the container that answered: "Received client error (400) from <name> ...",
        // where a single-container model's is "primary", which tells a reader nothing.
        const named = /\bfrom (\S+) with message\b/.exec(error.message)?.[1];
        const container = named === 'primary' ? undefined : named;
        return {
          status: error.OriginalStatusCode ?? 500,
          body: error.OriginalMessage ?? error.message,
          ...(container !== undefined ? { container } : {}),
        };
      }
      // A reset or refused connection by its code (the step may retry it): the SDK names it only 'Error'.
      const name = connectionErrorCode(error) ?? (error instanceof Error ? error.name : 'Error');
      const message = error instanceof Error ? error.message : String(error);
      return { error: `InvokeEndpoint failed with ${name}: ${message}`, errorName: name };
    }
  };
}
