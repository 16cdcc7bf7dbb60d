/**
 * The Retry policies tasks share. Transient failures are retried with capped exponential backoff and full
 * jitter; nothing retries on States.ALL.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  EndpointBusyError,
  EventNotPublishedError,
  LAMBDA_TRANSIENT_ERRORS,
  ModelSourceChangedError,
  SageMakerThrottledError,
} from './errors.ts';

/** Lambda service errors, including Lambda.TooManyRequestsException. */
export const lambdaServiceRetry: sfn.RetryProps = {
  errors: [...LAMBDA_TRANSIENT_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/** SageMaker throttling that outlasted the SDK's own retries. */
export const sageMakerThrottlingRetry: sfn.RetryProps = {
  errors: [SageMakerThrottledError.errorName],
  interval: Duration.seconds(2),
  maxAttempts: 8,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/** A busy endpoint (Creating/Updating): wait for it, bounded to about 40 minutes, then fail. */
export const busyEndpointRetry: sfn.RetryProps = {
  errors: [EndpointBusyError.errorName],
  interval: Duration.seconds(30),
  maxAttempts: 12,
  backoffRate: 1.5,
  maxDelay: Duration.minutes(5),
  jitterStrategy: sfn.JitterType.FULL,
};

/** EventBridge rejected an entry. */
export const eventPublishRetry: sfn.RetryProps = {
  errors: [EventNotPublishedError.errorName],
  interval: Duration.seconds(2),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Rolling back waits longer for a busy endpoint (about 100 minutes): a stuck Creating endpoint can take an hour to fail. */
export const rollbackBusyEndpointRetry: sfn.RetryProps = { ...busyEndpointRetry, maxAttempts: 24 };

/** A source object changed mid-packaging: package once more from the new version. */
export const sourceChangedRetry: sfn.RetryProps = {
  errors: [ModelSourceChangedError.errorName],
  interval: Duration.seconds(5),
  maxAttempts: 1,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};
