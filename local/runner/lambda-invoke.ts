/**
 * Runs a registered task handler in-process the way Step Functions' `lambda:invoke` integration would call
 * the deployed function: JSON in and out, the result wrapped in `{ Payload, StatusCode, ... }`, and a thrown
 * error surfacing as `Error` = its name and `Cause` = Lambda's JSON error document.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { TaskHandler } from '../../tasks/registry.ts';
import type { SynthesizedFunction } from './synthesize.ts';

/** An error as Step Functions sees a failed Lambda invocation: the name is the `errorType`. */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, cause: string) {
    super(cause);
    this.name = errorType;
  }
}

/** Lambda's error document (the `Cause`) for an error a handler threw. */
function lambdaErrorDocument(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n').slice(0, 10),
    };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
}

function lambdaContext(fn: SynthesizedFunction, requestId: string): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.logicalId,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.logicalId}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes `handler` with `payload` as Lambda would and returns the `lambda:invoke` result. */
export async function invokeLikeLambda(fn: SynthesizedFunction, handler: TaskHandler, payload: unknown) {
  const requestId = randomUUID();
  const event = JSON.parse(JSON.stringify(payload ?? null)) as unknown;
  let result: unknown;
  try {
    result = await handler(event, lambdaContext(fn, requestId));
  } catch (error) {
    const document = lambdaErrorDocument(error);
    throw new LambdaFunctionError(document.errorType, JSON.stringify(document));
  }
  return {
    ExecutedVersion: '$LATEST',
    Payload: result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown),
    SdkHttpMetadata: { HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
