/** InvokeEndpointAsync as HealthCheck calls it: the answer's locations, or SageMaker's error by name. */
import { InvokeEndpointAsyncCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

/** One InvokeEndpointAsync request. */
interface AsyncInvocationRequest {
  endpointName: string;
  inputLocation: string;
  contentType: string;
  accept?: string;
  invocationTimeoutSeconds: number;
  inferenceId?: string;
}

/** Where the answer will be, or why the request was refused. */
type AsyncInvocationAccepted =
  | { outputLocation: string; failureLocation?: string }
  | { error: string; errorName: string };

/** Calls InvokeEndpointAsync. */
export type InvokeAsync = (request: AsyncInvocationRequest) => Promise<AsyncInvocationAccepted>;

/** The InvokeAsync backed by the AWS SDK runtime client. */
export function asyncEndpointInvoker(runtime: SageMakerRuntimeClient): InvokeAsync {
  return async (request) => {
    try {
      const out = await runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: request.endpointName,
          InputLocation: request.inputLocation,
          ContentType: request.contentType,
          ...(request.accept !== undefined ? { Accept: request.accept } : {}),
          InvocationTimeoutSeconds: request.invocationTimeoutSeconds,
          ...(request.inferenceId !== undefined ? { InferenceId: request.inferenceId } : {}),
        }),
      );
      if (out.OutputLocation === undefined) {
        return { error: 'InvokeEndpointAsync answered without an OutputLocation', errorName: 'AsyncInferenceFailure' };
      }
      return {
        outputLocation: out.OutputLocation,
        ...(out.FailureLocation !== undefined ? { failureLocation: out.FailureLocation } : {}),
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      return { error: `InvokeEndpointAsync failed with ${name}: ${message}`, errorName: name };
    }
  };
}
