/**
 * InvokeEndpointAsync as the health check sees it: the sample is uploaded to S3, the endpoint is invoked with its
 * location, and the output or failure object is awaited (HeadObject on both locations, as SageMaker's own SDK
 * does) until a deadline. The answer is an InvocationResult like a real-time one, with the queue latency (invoke
 * to output) as its measured latency.
 */
import { randomUUID } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InvokeEndpointAsyncCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { InvocationRequest, InvocationResult, Invoke } from './endpoint-runtime.ts';

/** Where and how long the asynchronous health check's requests run. */
export interface AsyncInvocationTarget {
  /** `s3://bucket/prefix/`: each sample is uploaded under it before it is sent. */
  inputPrefix: string;
  /** InvocationTimeoutSeconds of each request. */
  invocationTimeoutSeconds: number;
  /** How long to wait for an output or failure object after the invocation was accepted. */
  deadlineMs: number;
}

/** Builds the Invoke for one target. */
export type InvokeAsync = (target: AsyncInvocationTarget) => Invoke;

/** The time a request may wait in the endpoint's queue before an instance takes it, on top of its own timeout. */
export const ASYNC_QUEUE_ALLOWANCE_SECONDS = 60;
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;

/** What the asynchronous invoker needs: the clients, a monotonic clock in ms, and a way to wait. */
export interface AsyncInvokerDeps {
  runtime: SageMakerRuntimeClient;
  s3: S3Client;
  clock(): number;
  sleep?(ms: number): Promise<void>;
}

function location(uri: string): { Bucket: string; Key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// object URI: ${uri}`);
  return { Bucket: match[1] as string, Key: match[2] as string };
}

async function exists(s3: S3Client, uri: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand(location(uri)));
    return true;
  } catch (error) {
    if (error instanceof NotFound || error instanceof NoSuchKey) return false;
    throw error;
  }
}

async function read(s3: S3Client, uri: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand(location(uri)));
  return (await out.Body?.transformToString()) ?? '';
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

/** The Invoke backed by InvokeEndpointAsync, S3 uploads and HeadObject polling. */
export function asyncEndpointInvoker(deps: AsyncInvokerDeps): InvokeAsync {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return (target) => async (request: InvocationRequest) => {
    const inputLocation = `${target.inputPrefix}${randomUUID()}.in`;
    await deps.s3.send(
      new PutObjectCommand({ ...location(inputLocation), Body: request.body, ContentType: request.contentType }),
    );
    const started = deps.clock();
    let accepted: { OutputLocation?: string | undefined; FailureLocation?: string | undefined };
    try {
      accepted = await deps.runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: request.endpointName,
          InputLocation: inputLocation,
          ContentType: request.contentType,
          ...(request.accept !== undefined ? { Accept: request.accept } : {}),
          InvocationTimeoutSeconds: target.invocationTimeoutSeconds,
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      return { error: `InvokeEndpointAsync failed with ${name}: ${message}`, errorName: name };
    }
    const { OutputLocation: output, FailureLocation: failure } = accepted;
    if (output === undefined) {
      return { error: 'InvokeEndpointAsync answered without an OutputLocation', errorName: 'AsyncInferenceFailure' };
    }
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      if (await exists(deps.s3, output)) {
        const measuredMs = deps.clock() - started;
        return { status: 200, body: await read(deps.s3, output), measuredMs };
      }
      if (failure !== undefined && (await exists(deps.s3, failure))) {
        return failureResult(await read(deps.s3, failure));
      }
      if (deps.clock() - started > target.deadlineMs) {
        return {
          error: `no output at ${output}${failure !== undefined ? ` and no failure at ${failure}` : ''} within ${Math.round(target.deadlineMs / 1000)} s`,
          errorName: 'AsyncInferenceTimeout',
        };
      }
      await sleep(pollMs);
      pollMs = Math.min(MAX_POLL_MS, pollMs * 2);
    }
  };
}
