/**
 * The health check of an asynchronous endpoint, in three steps so that no function carries both the S3 and the
 * SageMaker Runtime client (each bundle stays within its budget): UploadAsyncSamples puts each sample in S3,
 * HealthCheck calls InvokeEndpointAsync for every invocation and records where each answer will be, and
 * JudgeAsyncResults waits for the output or failure objects and judges them. What the three share lives here.
 */

import { splitS3Uri } from './batch-run.ts';
import type { InvocationResult } from './endpoint-runtime.ts';

/** The folder of the output path's bucket that asynchronous health checks upload their samples to. */
const ASYNC_HEALTH_CHECK_FOLDER = 'smwf-health-check';

/** The time a request may wait in the endpoint's queue before an instance takes it, on top of its own timeout. */
export const ASYNC_QUEUE_ALLOWANCE_SECONDS = 60;

/** Where an asynchronous check uploads its samples: in the output path's bucket, per endpoint and execution. */
export function asyncHealthCheckPrefix(outputPath: string, endpointName: string, executionName: string): string {
  const { bucket } = splitS3Uri(outputPath);
  return `s3://${bucket}/${ASYNC_HEALTH_CHECK_FOLDER}/${endpointName}/${executionName}/`;
}

/** What UploadAsyncSamples recorded: the prefix, and each sample's object (by sample index). */
export interface AsyncSamples {
  inputPrefix: string;
  inputLocations: string[];
}

/** One invocation HealthCheck sent (or could not send) to an asynchronous endpoint. */
export type AsyncRequestRecord =
  | {
      /** The sample's index in `healthCheck.samples`. */
      sample: number;
      /** Epoch milliseconds when InvokeEndpointAsync was called. */
      invokedAt: number;
      outputLocation: string;
      failureLocation?: string;
    }
  | { sample: number; error: string };

/** What HealthCheck recorded for JudgeAsyncResults. */
export interface AsyncHealthCheckRecord {
  requests: AsyncRequestRecord[];
  /** Request n was sent with InferenceId `<inferenceIdPrefix><n>`, as a real-time check's invocations. */
  inferenceIdPrefix?: string;
}

/**
 * A failure object's text as a result: a model's error status and message when SageMaker reports one
 * ("Received server error (500) from model with message "..."), else the failure itself.
 */
export function failureResult(text: string): InvocationResult {
  const answered = /Received (?:client|server) error \((\d{3})\) from \S+ with message "([\s\S]*)"/.exec(text);
  if (answered) return { status: Number(answered[1]), body: answered[2] as string };
  return { error: `asynchronous inference failed: ${text.trim()}`, errorName: 'AsyncInferenceFailure' };
}
