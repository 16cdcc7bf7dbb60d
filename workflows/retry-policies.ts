/**
 * The Retry lists of the state machines, built from the retry policy each retryable error declares
 * (contracts/errors.ts): capped exponential backoff with full jitter; nothing retries on States.ALL.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  EndpointBusyError,
  EventNotPublishedError,
  LambdaServiceErrors,
  ModelNotReadyError,
  ModelSourceChangedError,
  type RetryPolicy,
  SageMakerThrottledError,
} from '../contracts/errors.ts';

/** An error class that declares how it is retried. */
interface RetryableError {
  readonly errorName: string;
  readonly retry: RetryPolicy;
}

function toRetryProps(errors: readonly string[], policy: RetryPolicy): sfn.RetryProps {
  return {
    errors: [...errors],
    interval: Duration.seconds(policy.intervalSeconds),
    maxAttempts: policy.maxAttempts,
    backoffRate: policy.backoffRate,
    maxDelay: Duration.seconds(policy.maxDelaySeconds),
    jitterStrategy: sfn.JitterType.FULL,
  };
}

/** The Retry of `error`, with its declared policy (or that policy changed by `overrides`). */
function retryOn(error: RetryableError, overrides: Partial<RetryPolicy> = {}): sfn.RetryProps {
  return toRetryProps([error.errorName], { ...error.retry, ...overrides });
}

/** Lambda service errors, including Lambda.TooManyRequestsException. */
export const lambdaServiceRetry = toRetryProps(LambdaServiceErrors.errorNames, LambdaServiceErrors.retry);

/** SageMaker throttling that outlasted the SDK's own retries. */
export const sageMakerThrottlingRetry = retryOn(SageMakerThrottledError);

/** A busy endpoint (Creating/Updating): wait for it, bounded to about 40 minutes, then fail. */
export const busyEndpointRetry = retryOn(EndpointBusyError);

/** Rolling back waits longer for a busy endpoint (about 100 minutes): a stuck Creating endpoint can take an hour to fail. */
export const rollbackBusyEndpointRetry = retryOn(EndpointBusyError, { maxAttempts: 24 });

/** EventBridge rejected an entry. */
export const eventPublishRetry = retryOn(EventNotPublishedError);

/** A multi-model endpoint still loading a model: invoke again until it is loaded, bounded. */
export const modelNotReadyRetry = retryOn(ModelNotReadyError);

/** A source object changed mid-packaging: package once more from the new version. */
export const sourceChangedRetry = retryOn(ModelSourceChangedError);
