/**
 * SageMaker asynchronous inference: InvokeEndpointAsync (restJson1, `POST /endpoints/{name}/async-invocations`),
 * one persisted first-in-first-out queue per endpoint, outputs and failures written to the emulator's S3, and the
 * SNS notifications SageMaker publishes, recorded. Reference §4; the choices where AWS documents nothing are in
 * local/emulator/README.md (Asynchronous inference).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { DataCaptureWriter } from '../capture/data-capture.ts';
import { notEmulated, ServiceError } from '../errors.ts';
import { ACCOUNT_ID } from '../events.ts';
import type { EndpointFleet } from '../hosting/fleet.ts';
import { ContainerCallError } from '../hosting/pipeline.ts';
import type { FleetRouting } from '../hosting/routing.ts';
import { readPayload, send } from '../http-util.ts';
import { s3ObjectArn } from '../iam/roles.ts';
import type { Logger } from '../logger.ts';
import type { S3Store } from '../s3/store.ts';
import { parseS3Uri } from '../s3/uri.ts';
import { loadModel, ShapeValidator } from '../shapes.ts';
import { requireInvocableEndpoint } from '../store/lookups.ts';
import { type EndpointRecord, isAsyncEndpoint, type SageMakerStore } from '../store/store.ts';
import {
  DEFAULT_INVOCATION_TIMEOUT_SECONDS,
  DEFAULT_MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE,
  DEFAULT_REQUEST_TTL_SECONDS,
} from './async-config.ts';
import type { NotificationLog } from './notifications.ts';
import { type FinishedOutcome, type Outcome, resultNotification } from './outcomes.ts';
import { type AcceptedRequest, AcceptedRequestStore, type RequestNotifications } from './requests.ts';

type Input = Record<string, unknown>;

/** How often a request waiting for its endpoint to come up (Creating, or warming after a restart) looks again. */
const NOT_READY_RETRY_MS = 200;

function joinKey(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => p !== undefined && p !== '')
    .map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, '')))
    .join('/');
}

/** What the asynchronous inference queue needs from the rest of the emulator. */
interface AsyncInferenceDeps {
  stateDir: string;
  store: SageMakerStore;
  s3: S3Store;
  routing: FleetRouting<EndpointFleet>;
  notifications: NotificationLog;
  random: () => number;
  logger: Logger;
  /** Writes data capture records of the invocations the model answers (none: nothing is captured). */
  capture?: DataCaptureWriter;
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
}

interface EndpointQueue {
  pending: AcceptedRequest[];
  inFlight: number;
  retry?: NodeJS.Timeout;
}

/** Asynchronous inference: accepts requests, queues them per endpoint on disk, and runs them on the endpoint's fleet. */
export class AsyncInference {
  private readonly model = loadModel('sagemaker-runtime.json');
  private readonly validator = new ShapeValidator(this.model, 'ValidationError');
  private readonly requests: AcceptedRequestStore;
  private readonly queues = new Map<string, EndpointQueue>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly now: () => number;
  private sequence = 0;
  /** Settles once resume() has read the persisted queue (the server may already be taking requests). */
  private resumed: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly deps: AsyncInferenceDeps) {
    this.requests = new AcceptedRequestStore(join(deps.stateDir, 'async-queue'));
    this.now = deps.now ?? Date.now;
  }

  /** CreateEndpoint and UpdateEndpoint with a config that sets topics: SageMaker's TestNotification to each of them. */
  async testNotification(config: Input | undefined): Promise<void> {
    const notification = ((config?.OutputConfig as Input | undefined)?.NotificationConfig ?? {}) as Input;
    const topics = new Set([notification.SuccessTopic, notification.ErrorTopic].filter((t) => typeof t === 'string'));
    for (const topic of topics) {
      await this.deps.notifications.publish(topic as string, {
        eventVersion: '1.0',
        eventSource: 'aws:sagemaker',
        eventName: 'TestNotification',
      });
    }
  }

  /** InvokeEndpointAsync: validates, persists the request, answers 202 with where its outcome will be. */
  async invoke(
    req: IncomingMessage,
    res: ServerResponse,
    endpointName: string,
    region: string,
    requestId: string,
  ): Promise<void> {
    const { size } = await readPayload(req, 1024);
    const input = this.readInput(req, endpointName);
    if (size > 0) {
      throw notEmulated(
        'A request body on InvokeEndpointAsync (the payload is read from InputLocation; inline bodies are not in the API model) is',
      );
    }
    this.validator.validate('InvokeEndpointAsync', input);
    const record = requireInvocableEndpoint(this.deps.store, region, endpointName);
    if (!isAsyncEndpoint(record)) {
      throw new ServiceError(
        'ValidationError',
        `Endpoint ${endpointName} of account ${ACCOUNT_ID} is not an asynchronous inference endpoint: invoke it with InvokeEndpoint. InvokeEndpointAsync needs an endpoint config with an AsyncInferenceConfig.`,
        400,
      );
    }
    const inputLocation = String(input.InputLocation);
    // An https:// InputLocation names an S3 object by URL: read from the emulator's S3 like an s3:// one.
    if (!parseS3Uri(inputLocation)) {
      throw notEmulated(`An InputLocation other than an s3:// URI or an S3 https:// URL (${inputLocation}) is`);
    }
    const output = (record.AsyncInferenceConfig as Input).OutputConfig as Input;
    const notification = (output.NotificationConfig ?? {}) as Input;
    const inferenceId = typeof input.InferenceId === 'string' ? input.InferenceId : randomUUID();
    const extension = input.S3OutputPathExtension as string | undefined;
    const outputName = typeof input.Filename === 'string' ? input.Filename : `${inferenceId}.out`;
    const outputLocation = `s3://${joinKey(String(output.S3OutputPath).slice(5), extension, outputName)}`;
    const failureBase = typeof output.S3FailurePath === 'string' ? output.S3FailurePath : String(output.S3OutputPath);
    const failureLocation = `s3://${joinKey(failureBase.slice(5), extension, `${inferenceId}-error.out`)}`;
    // A request accepted while the persisted queue is still being read would take the sequence number, and so the
    // file, of a request still on disk, and go ahead of it.
    await this.resumed;
    const acceptedAt = this.now();
    const notifications: RequestNotifications = {
      includeResponseIn: (notification.IncludeInferenceResponseIn as string[] | undefined) ?? [],
      ...(typeof notification.SuccessTopic === 'string' ? { successTopic: notification.SuccessTopic } : {}),
      ...(typeof notification.ErrorTopic === 'string' ? { errorTopic: notification.ErrorTopic } : {}),
    };
    const request: AcceptedRequest = {
      inferenceId,
      region,
      endpointName: record.EndpointName,
      inputLocation,
      ...(typeof input.ContentType === 'string' ? { contentType: input.ContentType } : {}),
      ...(typeof input.Accept === 'string' ? { accept: input.Accept } : {}),
      ...(typeof input.CustomAttributes === 'string' ? { customAttributes: input.CustomAttributes } : {}),
      outputLocation,
      failureLocation,
      acceptedAt,
      expiresAt: acceptedAt + ((input.RequestTTLSeconds as number | undefined) ?? DEFAULT_REQUEST_TTL_SECONDS) * 1000,
      invocationTimeoutSeconds:
        (input.InvocationTimeoutSeconds as number | undefined) ?? DEFAULT_INVOCATION_TIMEOUT_SECONDS,
      notifications,
      sequence: ++this.sequence,
    };
    await this.requests.save(request);
    this.enqueue(request);
    send(
      res,
      202,
      {
        'content-type': 'application/json',
        'x-amzn-RequestId': requestId,
        'X-Amzn-SageMaker-OutputLocation': outputLocation,
        'X-Amzn-SageMaker-FailureLocation': failureLocation,
      },
      JSON.stringify({ InferenceId: inferenceId }),
    );
  }

  /** The request's members from its headers; a header SageMaker's runtime defines for another operation is refused. */
  private readInput(req: IncomingMessage, endpointName: string): Input {
    const input: Input = { EndpointName: endpointName };
    const members = this.model.shapes.InvokeEndpointAsyncInput?.members ?? {};
    const known = new Set<string>();
    for (const [name, ref] of Object.entries(members)) {
      if (ref.location !== 'header' || !ref.locationName) continue;
      const header = ref.locationName.toLowerCase();
      known.add(header);
      const value = req.headers[header];
      if (typeof value !== 'string') continue;
      if (this.model.shapes[ref.shape]?.type === 'integer') {
        if (!/^-?\d+$/.test(value.trim())) {
          throw new ServiceError('SerializationException', `Header ${ref.locationName} must be an integer.`, 400);
        }
        input[name] = Number(value.trim());
      } else input[name] = value;
    }
    for (const header of Object.keys(req.headers)) {
      if (header.startsWith('x-amzn-sagemaker-') && !known.has(header)) {
        throw new ServiceError(
          'ValidationError',
          `Header ${header} is not a member of InvokeEndpointAsync: an asynchronous request is not routed by variant, container or model.`,
          400,
        );
      }
    }
    return input;
  }

  /** After a restart: every accepted request without an outcome goes back on its endpoint's queue, in order. */
  resume(): Promise<void> {
    this.resumed = (async () => {
      const pending = await this.requests.loadAll();
      for (const request of pending) {
        this.sequence = Math.max(this.sequence, request.sequence);
        this.enqueue(request);
      }
    })();
    return this.resumed;
  }

  /** Stops taking work; requests in flight keep their files, so the next start runs them again. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const queue of this.queues.values()) if (queue.retry) clearTimeout(queue.retry);
    await Promise.all([...this.tasks]);
  }

  /** Requests accepted for the endpoint that have no outcome yet (queued or in flight). */
  backlog(region: string, endpointName: string): number {
    const queue = this.queues.get(this.key(region, endpointName));
    return queue ? queue.pending.length + queue.inFlight : 0;
  }

  private key(region: string, name: string): string {
    return `${region}/${name.toLowerCase()}`;
  }

  private enqueue(request: AcceptedRequest): void {
    const key = this.key(request.region, request.endpointName);
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { pending: [], inFlight: 0 };
      this.queues.set(key, queue);
    }
    queue.pending.push(request);
    this.pump(key, queue);
  }

  /** MaxConcurrentInvocationsPerInstance times the endpoint's instances (at least one). */
  private capacity(record: EndpointRecord | undefined): number {
    const client = ((record?.AsyncInferenceConfig as Input | undefined)?.ClientConfig ?? {}) as Input;
    const perInstance =
      typeof client.MaxConcurrentInvocationsPerInstance === 'number'
        ? client.MaxConcurrentInvocationsPerInstance
        : DEFAULT_MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE;
    const instances = (record?.smwf.active?.variants ?? []).reduce((sum, v) => sum + v.instanceCount, 0);
    return perInstance * Math.max(1, instances);
  }

  private pump(key: string, queue: EndpointQueue): void {
    if (this.stopping || queue.retry) return;
    while (queue.pending.length > 0) {
      const head = queue.pending[0] as AcceptedRequest;
      const record = this.deps.store.endpoints.get(head.region, head.endpointName);
      if (queue.inFlight >= this.capacity(record)) return;
      queue.pending.shift();
      queue.inFlight += 1;
      const task = this.run(head, key, queue).finally(() => {
        queue.inFlight -= 1;
        this.tasks.delete(task);
        this.pump(key, queue);
      });
      this.tasks.add(task);
    }
  }

  private async run(request: AcceptedRequest, key: string, queue: EndpointQueue): Promise<void> {
    let outcome: Outcome | 'not-ready';
    try {
      outcome = await this.process(request);
    } catch (err) {
      this.deps.logger.error('async inference failed', { inferenceId: request.inferenceId, error: String(err) });
      outcome = { kind: 'failure', reason: 'InternalFailure: the emulator could not process the request.' };
    }
    if (outcome === 'not-ready') {
      // The endpoint is still coming up: the request goes back to its place in acceptance order (several taken
      // together come back in any order, so pushing each to the head would reverse them).
      const at = queue.pending.findIndex((other) => other.sequence > request.sequence);
      queue.pending.splice(at === -1 ? queue.pending.length : at, 0, request);
      if (!queue.retry && !this.stopping) {
        queue.retry = setTimeout(() => {
          delete queue.retry;
          this.pump(key, queue);
        }, NOT_READY_RETRY_MS);
      }
      return;
    }
    if (outcome.kind === 'interrupted' || this.stopping) return;
    try {
      await this.finish(request, outcome);
    } catch (err) {
      // Nobody awaits the task: a rejection here would end the emulator. The request keeps its file and runs
      // again on the next start.
      this.deps.logger.error('async inference outcome not recorded', {
        inferenceId: request.inferenceId,
        error: String(err),
      });
    }
  }

  private async process(request: AcceptedRequest): Promise<Outcome | 'not-ready'> {
    if (this.now() > request.expiresAt) {
      const ttl = Math.round((request.expiresAt - request.acceptedAt) / 1000);
      return {
        kind: 'failure',
        reason: `Request expired: it waited in the queue longer than its RequestTTLSeconds (${ttl} s) before an instance took it.`,
      };
    }
    const record = this.deps.store.endpoints.get(request.region, request.endpointName);
    if (!record || record.EndpointStatus === 'Deleting' || record.EndpointStatus === 'Failed') {
      return {
        kind: 'failure',
        reason: `Endpoint ${request.endpointName} was deleted or failed before the request could be processed.`,
      };
    }
    const routed = await this.deps.routing.acquire(request.region, request.endpointName);
    if (!routed) return 'not-ready';
    const { fleet, release } = routed;
    try {
      const variant = fleet.pickVariant(undefined, this.deps.random);
      if (!variant) return 'not-ready';
      // SageMaker reads the input and writes the outcome as the model's execution role.
      const role = variant.spec.containers[0]?.executionRoleArn;
      const outcome = await this.runOnInstance(request, fleet, variant);
      return role === undefined || outcome.kind === 'interrupted' ? outcome : { ...outcome, writeAs: role };
    } finally {
      release();
    }
  }

  /** Reads the input, invokes the model and captures the exchange: the outcome of one request on an instance. */
  private async runOnInstance(
    request: AcceptedRequest,
    fleet: EndpointFleet,
    variant: NonNullable<ReturnType<EndpointFleet['pickVariant']>>,
  ): Promise<Outcome> {
    const role = variant.spec.containers[0]?.executionRoleArn;
    {
      // Read once an instance takes the request, not on every look while the endpoint is still coming up.
      const source = parseS3Uri(request.inputLocation) as { bucket: string; key: string };
      let body: Buffer;
      try {
        const denied = this.deps.s3.roles.denial(role, {
          action: 's3:GetObject',
          resource: s3ObjectArn(source.bucket, source.key),
        });
        if (denied !== undefined) throw new ServiceError('AccessDenied', denied, 403);
        body = await this.deps.s3.readObject(source.bucket, source.key);
      } catch (err) {
        const detail = err instanceof ServiceError ? err.message : String(err);
        return {
          kind: 'failure',
          reason: `ClientError: Could not read the input at ${request.inputLocation}: ${detail}`,
        };
      }
      const headers: Record<string, string> = {
        'content-type': request.contentType ?? 'application/octet-stream',
        accept: request.accept ?? '*/*',
        'x-amzn-sagemaker-inference-id': request.inferenceId,
      };
      if (request.customAttributes !== undefined) {
        headers['x-amzn-sagemaker-custom-attributes'] = request.customAttributes;
      }
      let answer: Awaited<ReturnType<typeof variant.invoke>>;
      try {
        answer = await variant.invoke({ body, headers }, request.invocationTimeoutSeconds * 1000, undefined);
      } catch (err) {
        if (this.stopping) return { kind: 'interrupted' };
        const timedOut = err instanceof ContainerCallError && err.timedOut;
        return {
          kind: 'failure',
          reason: timedOut
            ? `ClientError: The invocation timed out after its InvocationTimeoutSeconds (${request.invocationTimeoutSeconds} s) while waiting for a response from the model.`
            : `ClientError: An exception occurred while sending the request to the model: ${(err as Error).message}`,
        };
      }
      if (this.stopping) return { kind: 'interrupted' };
      const { response } = answer;
      const contentType = response.headers['content-type'] ?? 'application/octet-stream';
      if (response.status >= 200 && response.status < 300) {
        // Captured as for InvokeEndpoint: the input object's bytes and the model's answer, with the InferenceId.
        await this.deps.capture?.capture({
          endpointName: request.endpointName,
          variantName: variant.spec.variantName,
          config: fleet.spec.dataCapture,
          variant,
          inferenceId: request.inferenceId,
          ...(role !== undefined ? { writeAs: role } : {}),
          request: { body, contentType: headers['content-type'] as string },
          response: { body: response.body, contentType },
        });
        return { kind: 'output', body: response.body, contentType };
      }
      const kind = response.status >= 500 ? 'server' : 'client';
      return {
        kind: 'failure',
        reason: `ClientError: Received ${kind} error (${response.status}) from model with message "${response.body.toString('utf8')}". See the SageMaker Endpoint logs for more information.`,
        body: response.body,
        contentType,
      };
    }
  }

  /** Writes the output or the failure, publishes the notification, and forgets the request. */
  private async finish(request: AcceptedRequest, outcome: FinishedOutcome): Promise<void> {
    const succeeded = outcome.kind === 'output';
    const location = succeeded ? request.outputLocation : request.failureLocation;
    const target = parseS3Uri(location) as { bucket: string; key: string };
    const body = succeeded ? outcome.body : Buffer.from(outcome.reason);
    const contentType = succeeded ? outcome.contentType : 'text/plain';
    try {
      const denied = this.deps.s3.roles.denial(outcome.writeAs, {
        action: 's3:PutObject',
        resource: s3ObjectArn(target.bucket, target.key),
      });
      if (denied !== undefined) throw new ServiceError('AccessDenied', denied, 403);
      await this.deps.s3.putObject(
        target.bucket,
        target.key,
        Readable.from([body]),
        { metadata: {}, contentType },
        { announced: new Set(), values: () => ({}) },
      );
    } catch (err) {
      // No bucket to write to, or the execution role may not: SageMaker could not deliver either. The
      // notification still says what happened.
      this.deps.logger.error('async inference output not written', { location, error: String(err) });
    }
    const topic = succeeded ? request.notifications.successTopic : request.notifications.errorTopic;
    if (topic !== undefined) {
      await this.deps.notifications.publish(topic, resultNotification(request, outcome, this.now()));
    }
    await this.requests.remove(request);
  }
}
