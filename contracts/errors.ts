/**
 * Errors are the contract between tasks and state machines: a task throws one of these, Lambda reports
 * `errorType = name`, and the state machine matches it in `ErrorEquals`. Names are literals, never
 * `constructor.name`, because bundling minifies class names.
 */

/**
 * How Step Functions retries a task that failed with a retryable error: exponential backoff from
 * `intervalSeconds`, capped at `maxDelaySeconds`, with full jitter, at most `maxAttempts` times.
 */
export interface RetryPolicy {
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds: number;
}

/**
 * Base of every error a task throws on purpose. A retryable error class declares `static readonly retry`, the
 * policy the state machines' Retry lists are built from (workflows/retry-policies.ts); the others have none.
 */
export abstract class WorkflowError extends Error {}

/** The execution input (or a task's input) does not match its contract; the message names the field. */
export class InvalidInputError extends WorkflowError {
  static readonly errorName = 'InvalidInputError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = InvalidInputError.errorName;
  }
}

/** A resource with our deterministic name exists with a different specification; it is never overwritten. */
export class ResourceConflictError extends WorkflowError {
  static readonly errorName = 'ResourceConflictError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ResourceConflictError.errorName;
  }
}

/**
 * The endpoint is Creating, Updating or otherwise busy (the state machine retries it for a bounded time), or
 * another execution holds its lease past the run's wait (the message names that execution; nothing was changed).
 */
export class EndpointBusyError extends WorkflowError {
  static readonly errorName = 'EndpointBusyError';
  /** Wait for a busy endpoint, bounded to about 40 minutes, then fail. */
  static readonly retry: RetryPolicy = { intervalSeconds: 30, maxAttempts: 12, backoffRate: 1.5, maxDelaySeconds: 300 };
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = EndpointBusyError.errorName;
  }
}

/** The endpoint ended in `Failed` (or cannot be updated because it is `Failed`); carries SageMaker's FailureReason. */
export class EndpointFailedError extends WorkflowError {
  static readonly errorName = 'EndpointFailedError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = EndpointFailedError.errorName;
  }
}

/** SageMaker rolled the update back on its own: InService, but still on the previous endpoint config. */
export class DeploymentRolledBackError extends WorkflowError {
  static readonly errorName = 'DeploymentRolledBackError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = DeploymentRolledBackError.errorName;
  }
}

/**
 * The endpoint was changed by something other than this run while it deployed: it serves a config that is neither
 * this run's nor the one recorded before its update (or it was deleted). The run does not roll back what it does
 * not own; the endpoint is left as the other change made it.
 */
export class ForeignEndpointChangeError extends WorkflowError {
  static readonly errorName = 'ForeignEndpointChangeError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ForeignEndpointChangeError.errorName;
  }
}

/** The endpoint did not settle before the deployment's deadline. */
export class DeploymentTimeoutError extends WorkflowError {
  static readonly errorName = 'DeploymentTimeoutError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = DeploymentTimeoutError.errorName;
  }
}

/** The endpoint serves, but the sample invocations did not meet the configured expectations. */
export class HealthCheckFailedError extends WorkflowError {
  static readonly errorName = 'HealthCheckFailedError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = HealthCheckFailedError.errorName;
  }
}

/** Rolling back did not bring the endpoint back to what it served before; needs a human. */
export class RollbackFailedError extends WorkflowError {
  static readonly errorName = 'RollbackFailedError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = RollbackFailedError.errorName;
  }
}

/** SageMaker throttled the call even after the SDK's own retries; the state machine retries with backoff. */
export class SageMakerThrottledError extends WorkflowError {
  static readonly errorName = 'SageMakerThrottledError';
  static readonly retry: RetryPolicy = { intervalSeconds: 2, maxAttempts: 8, backoffRate: 2, maxDelaySeconds: 60 };
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = SageMakerThrottledError.errorName;
  }
}

/**
 * Errors the Lambda service itself reports for an invocation; always worth a retry. The list is Step Functions' best
 * practice ("Handle Lambda service exceptions", docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
 * `Lambda.ClientExecutionTimeoutException` is an invocation whose result never reached Step Functions, though the
 * function may have run to its end (its side effect done): every step is safe to run twice, so it is retried too
 * (the fault matrix's "lost result", test/workflows/fault-matrix-suite.ts). A function that times out itself
 * (`Lambda.Unknown`, `Sandbox.Timedout`) is not retried: the Catch takes over, as for any failure of the step.
 */
export const LambdaServiceErrors = {
  errorNames: [
    'Lambda.ClientExecutionTimeoutException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  retry: { intervalSeconds: 2, maxAttempts: 6, backoffRate: 2, maxDelaySeconds: 30 },
} as const satisfies { errorNames: readonly string[]; retry: RetryPolicy };

/** EventBridge did not accept a lifecycle event. */
export class EventNotPublishedError extends WorkflowError {
  static readonly errorName = 'EventNotPublishedError';
  static readonly retry: RetryPolicy = { intervalSeconds: 2, maxAttempts: 5, backoffRate: 2, maxDelaySeconds: 30 };
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = EventNotPublishedError.errorName;
  }
}

/** The model files do not follow the framework's layout; the message lists what is missing or misplaced. */
export class ModelLayoutError extends WorkflowError {
  static readonly errorName = 'ModelLayoutError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ModelLayoutError.errorName;
  }
}

/** A source object changed while it was being packaged; packaging again picks up the new version. */
export class ModelSourceChangedError extends WorkflowError {
  static readonly errorName = 'ModelSourceChangedError';
  /** Package once more, from the new version. */
  static readonly retry: RetryPolicy = { intervalSeconds: 5, maxAttempts: 1, backoffRate: 2, maxDelaySeconds: 30 };
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ModelSourceChangedError.errorName;
  }
}

/**
 * A multi-model endpoint is still loading the model (SageMaker's ModelNotReadyException: a load takes longer
 * than 60 s, and goes on); the state machine invokes again, bounded to about 6 minutes, SageMaker's own limit
 * for a load.
 */
export class ModelNotReadyError extends WorkflowError {
  static readonly errorName = 'ModelNotReadyError';
  static readonly retry: RetryPolicy = { intervalSeconds: 5, maxAttempts: 14, backoffRate: 1.5, maxDelaySeconds: 30 };
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ModelNotReadyError.errorName;
  }
}

/** The transform job ended Failed or Stopped; carries SageMaker's FailureReason. */
export class TransformJobFailedError extends WorkflowError {
  static readonly errorName = 'TransformJobFailedError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = TransformJobFailedError.errorName;
  }
}

/** The transform job did not finish before the run's deadline. */
export class TransformJobTimeoutError extends WorkflowError {
  static readonly errorName = 'TransformJobTimeoutError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = TransformJobTimeoutError.errorName;
  }
}

/** The job completed, but some input objects have no `.out`; the message lists them. */
export class TransformOutputMissingError extends WorkflowError {
  static readonly errorName = 'TransformOutputMissingError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = TransformOutputMissingError.errorName;
  }
}

/**
 * An inference component's copies found no room on the endpoint's instances (its FailureReason names insufficient
 * capacity, as the SageMaker Python SDK's waiter tells a CapacityError). Retryable by the caller: the workflow
 * cleans up first, so the same input may run again once capacity is freed or instances are added.
 */
export class InferenceComponentCapacityError extends WorkflowError {
  static readonly errorName = 'InferenceComponentCapacityError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = InferenceComponentCapacityError.errorName;
  }
}

/** An inference component ended Failed (or SageMaker rolled its update back) for a reason other than capacity. */
export class InferenceComponentFailedError extends WorkflowError {
  static readonly errorName = 'InferenceComponentFailedError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = InferenceComponentFailedError.errorName;
  }
}

/** An Inference Recommender job RightSizeEndpoint started ended Failed or Stopped (SageMaker's FailureReason). */
export class RecommenderJobFailedError extends WorkflowError {
  static readonly errorName = 'RecommenderJobFailedError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = RecommenderJobFailedError.errorName;
  }
}
