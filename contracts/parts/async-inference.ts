/**
 * Asynchronous inference contract part (AsyncInferenceConfig): where SageMaker writes outputs and failures, the SNS
 * topics it notifies, how many requests each instance takes at a time, and how long the health check lets each of
 * its requests run. Ranges and patterns follow SageMaker's API model; reference §4.
 */
import * as z from 'zod/mini';
import { integer } from '../contract-parts.ts';
import type { InputCheck } from './endpoint.ts';
import { s3Uri } from './s3.ts';

/** SageMaker's SnsTopicArn pattern (AsyncInferenceNotificationConfig). */
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]*:[0-9]{12}:[a-zA-Z0-9_.-]+$/;

/** An SNS topic ARN as AsyncInferenceNotificationConfig takes it. */
const snsTopicArn = z
  .string()
  .check(
    z.maxLength(2048),
    z.regex(SNS_TOPIC_ARN, 'expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:my-topic'),
  );

/** An S3 prefix SageMaker writes asynchronous outputs or failures under (DestinationS3Uri: at most 512 characters). */
const asyncDestination = (example: string) =>
  s3Uri({ kind: 'prefix', example }).check(z.maxLength(512, 'expected at most 512 characters (DestinationS3Uri)'));

/** InvocationTimeoutSeconds of the health check's own requests when the input sets none. */
const DEFAULT_ASYNC_HEALTH_CHECK_TIMEOUT_SECONDS = 60;
/**
 * The most a health-check request may run: its poll deadline (this plus the queue allowance) stays inside the
 * HealthCheck step's 600-second Lambda timeout.
 */
const MAX_ASYNC_HEALTH_CHECK_TIMEOUT_SECONDS = 480;

/**
 * An endpoint config's `async` (AsyncInferenceConfig): the endpoint serves asynchronous inference
 * (InvokeEndpointAsync) only. CreateEndpointConfig takes it as it is; DeployEndpoint adds its health check's timeout.
 */
export const AsyncEndpointConfig = z.strictObject({
  /** Outputs go to `<s3OutputPath>/<InferenceId>.out`. */
  s3OutputPath: asyncDestination('s3://my-bucket/async/output/'),
  /** Failures go here; SageMaker's default (no value) writes them next to the outputs. */
  s3FailurePath: z.optional(asyncDestination('s3://my-bucket/async/failures/')),
  successTopic: z.optional(snsTopicArn),
  errorTopic: z.optional(snsTopicArn),
  /** Which notifications carry the inference response (when it is at most 128 KB). */
  includeInferenceResponseIn: z.optional(
    z.array(z.enum(['SUCCESS_NOTIFICATION_TOPIC', 'ERROR_NOTIFICATION_TOPIC'])).check(
      z.maxLength(2),
      z.refine((list) => new Set(list).size === list.length, 'expected each topic once'),
    ),
  ),
  maxConcurrentInvocationsPerInstance: z.optional(integer(1, 1000)),
});
export type AsyncEndpointConfig = z.output<typeof AsyncEndpointConfig>;

/** DeployEndpoint's `async`: the endpoint config's, and how long the health check lets each of its requests run. */
export const AsyncInference = z.extend(AsyncEndpointConfig, {
  /** InvocationTimeoutSeconds of each health-check request; the check waits this long plus a queue allowance. */
  healthCheckTimeoutSeconds: z._default(
    integer(1, MAX_ASYNC_HEALTH_CHECK_TIMEOUT_SECONDS),
    DEFAULT_ASYNC_HEALTH_CHECK_TIMEOUT_SECONDS,
  ),
});
export type AsyncInference = z.output<typeof AsyncInference>;

/**
 * The most invocations an asynchronous health check sends: HealthCheck records where each answer will be in the
 * state document for JudgeAsyncResults, and the document stays well under Step Functions' 256 KiB.
 */
const MAX_ASYNC_HEALTH_CHECK_INVOCATIONS = 100;

/**
 * An async endpoint config runs on instances (no serverless variant, DG serverless-endpoints and async-inference) and
 * notifies only topics that are set.
 */
export const asyncFitsTheVariants: InputCheck<{
  async?: AsyncEndpointConfig | undefined;
  variants: readonly { serverless?: unknown }[];
}> = (input, ctx) => {
  const config = input.async;
  if (config === undefined) return;
  for (const [i, variant] of input.variants.entries()) {
    if (variant.serverless !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['variants', i, 'serverless'],
        message: 'asynchronous inference runs on instances: use instanceType, or drop async',
        input: variant.serverless,
      });
    }
  }
  const include = config.includeInferenceResponseIn ?? [];
  for (const [topic, field] of [
    ['SUCCESS_NOTIFICATION_TOPIC', 'successTopic'],
    ['ERROR_NOTIFICATION_TOPIC', 'errorTopic'],
  ] as const) {
    if (include.includes(topic) && config[field] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['async', 'includeInferenceResponseIn'],
        message: `names ${topic}, but async.${field} is not set`,
        input: include,
      });
    }
  }
};

/**
 * An async deployment's config fits its variants (asyncFitsTheVariants), and its health check fits InvokeEndpointAsync:
 * no target variant (InvokeEndpointAsync has none), and few enough invocations for the state document.
 */
export const asyncFitsTheEndpoint: InputCheck<{
  async?: AsyncInference | undefined;
  variants: readonly { serverless?: unknown }[];
  healthCheck: { samples: readonly { targetVariant?: string | undefined }[]; invocations?: number | undefined };
}> = (input, ctx) => {
  if (input.async === undefined) return;
  asyncFitsTheVariants(input, ctx);
  const invocations = input.healthCheck.invocations ?? input.healthCheck.samples.length;
  if (invocations > MAX_ASYNC_HEALTH_CHECK_INVOCATIONS) {
    ctx.addIssue({
      code: 'custom',
      path: ['healthCheck', 'invocations'],
      message: `expected at most ${MAX_ASYNC_HEALTH_CHECK_INVOCATIONS} for an asynchronous endpoint (each one's answer locations travel in the state document)`,
      input: invocations,
    });
  }
  for (const [i, sample] of input.healthCheck.samples.entries()) {
    if (sample.targetVariant !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['healthCheck', 'samples', i, 'targetVariant'],
        message: 'an asynchronous endpoint is invoked without a target variant (InvokeEndpointAsync has none)',
        input: sample.targetVariant,
      });
    }
  }
};
