import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asyncInvocationsEndpointName } from './async/async-config.ts';
import type { AsyncInference } from './async/async-inference.ts';
import type { AutoScalingApi } from './autoscaling/api.ts';
import { CLOUDWATCH_TARGET_PREFIX, type CloudWatchApi } from './cloudwatch/api.ts';
import { DYNAMODB_TARGET_PREFIX, type DynamoDbTables } from './dynamodb/tables.ts';
import { ServiceError } from './errors.ts';
import { type EventLog, putEvents } from './events.ts';
import { type FaultInjector, faultError } from './faults.ts';
import {
  type HttpAnswer,
  INVALID_HEADER_VALUE,
  jsonErrorAnswer,
  parseSigV4Scope,
  readPayload,
  send,
} from './http-util.ts';
import { type ExecutionRoles, ROLES_PATH } from './iam/roles.ts';
import type { LaneInvocation } from './invocation-lane.ts';
import type { Logger } from './logger.ts';
import { runtimeEndpointName, type SageMakerRuntime } from './runtime.ts';
import { type S3Api, sendS3Error } from './s3/api.ts';
import { classifyS3 } from './s3/routing.ts';
import type { SageMakerControlPlane } from './sagemaker/control-plane.ts';
import { SERVICE_QUOTAS_TARGET_PREFIX, type ServiceQuotasApi } from './service-quotas/api.ts';

/** The services behind the one HTTP server. */
interface Services {
  sagemaker: SageMakerControlPlane;
  autoScaling: AutoScalingApi;
  runtime: SageMakerRuntime;
  asyncInference: AsyncInference;
  s3: S3Api;
  cloudWatch: CloudWatchApi;
  serviceQuotas: ServiceQuotasApi;
  dynamodb: DynamoDbTables;
  events: EventLog;
  faults: FaultInjector;
  logger: Logger;
  /** The IAM roles SageMaker acts as (registered through ROLES_PATH). */
  roles: ExecutionRoles;
}

async function registerRoles(services: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'PUT') {
    throw new ServiceError('MethodNotAllowed', `${ROLES_PATH} takes PUT with {"roles": [...]}`, 405);
  }
  const { body } = await readPayload(req);
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ServiceError('ValidationException', 'the body is not JSON: expected {"roles": [...]}', 400);
  }
  const registered = await services.roles.replace((document as { roles?: unknown } | null)?.roles);
  send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ registered }));
}

type Protocol = 'awsJson' | 'restJson' | 's3';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The awsJson content type of a target's service: CloudWatch and DynamoDB speak awsJson1.0, the others 1.1. */
function jsonContentType(target: string | string[] | undefined): string {
  return typeof target === 'string' &&
    (target.startsWith(`${CLOUDWATCH_TARGET_PREFIX}.`) || target.startsWith(`${DYNAMODB_TARGET_PREFIX}.`))
    ? 'application/x-amz-json-1.0'
    : 'application/x-amz-json-1.1';
}

function sendJsonError(
  res: ServerResponse,
  protocol: 'awsJson' | 'restJson',
  err: ServiceError,
  requestId: string,
  awsJsonContentType: string,
): void {
  const answer = jsonErrorAnswer(protocol, err, requestId, awsJsonContentType);
  send(res, answer.status, answer.headers, answer.body);
}

/** Waits out and throws the fault injected into `operation`, if any. */
async function injectFaults(services: Services, operation: string, s3: boolean): Promise<void> {
  await applyFault(services.faults.decide(operation), s3);
}

/** Waits out a fault's delay, then throws its error, if it has one. */
async function applyFault(decision: ReturnType<FaultInjector['decide']>, s3: boolean): Promise<void> {
  if (decision.delayMs > 0) await sleep(decision.delayMs);
  if (decision.kind !== 'none') throw faultError(decision, s3);
}

/** What the client is told of an error: a ServiceError as is, anything else an internal error, logged. */
function asServiceError(services: Services, err: unknown, operation: string, s3: boolean): ServiceError {
  if (err instanceof ServiceError) return err;
  services.logger.error('request failed', { operation, error: String((err as Error)?.stack ?? err) });
  return new ServiceError(
    s3 ? 'InternalError' : 'InternalFailure',
    'We encountered an internal error. Please try again.',
    500,
  );
}

/**
 * InvokeEndpoint whose request the invocation lane (invocation-lane.ts) has read whole: the faults injected into
 * InvokeEndpoint, the invocation, and the answer, or the error as restJson, exactly as handleRequest answers it.
 */
export async function serveInvocation(services: Services, invocation: LaneInvocation): Promise<HttpAnswer> {
  const requestId = randomUUID();
  const operation = 'InvokeEndpoint';
  try {
    // As injectFaults, without a wait when no fault is injected (the common case, on every invocation).
    const fault = services.faults.decide(operation);
    if (fault.delayMs > 0 || fault.kind !== 'none') await applyFault(fault, false);
    const answer = await services.runtime.invokeEndpoint(invocation, invocation.region, requestId);
    for (const name in answer.headers) {
      if (INVALID_HEADER_VALUE.test(answer.headers[name] as string)) {
        throw new Error(`the response header ${name} holds a character HTTP does not allow`);
      }
    }
    return { status: 200, headers: answer.headers, body: answer.body };
  } catch (err) {
    return jsonErrorAnswer('restJson', asServiceError(services, err, operation, false), requestId, '');
  }
}

/** Routes one request by its shape: X-Amz-Target (SageMaker, Application Auto Scaling, EventBridge, CloudWatch, Service Quotas, DynamoDB), runtime invocations path, else S3. */
export async function handleRequest(services: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const receivedAt = performance.now();
  const requestId = randomUUID();
  // The URL is parsed only when needed: a runtime invocation's path holds no query string to read.
  let parsed: URL | undefined;
  const url = () => {
    parsed ??= new URL(req.url ?? '/', 'http://127.0.0.1');
    return parsed;
  };
  const rawPath = req.url ?? '/';
  const pathname =
    rawPath.startsWith('/') && !rawPath.includes('?') && !rawPath.includes('#') ? rawPath : url().pathname;
  if (pathname === ROLES_PATH) {
    await registerRoles(services, req, res).catch((err: unknown) => {
      const error = err instanceof ServiceError ? err : new ServiceError('InternalFailure', String(err), 500);
      sendJsonError(res, 'restJson', error, requestId, 'application/json');
    });
    return;
  }
  const scope = parseSigV4Scope(req, url);
  const target = req.headers['x-amz-target'];
  let protocol: Protocol;
  let operation: string;
  const runtimeEndpoint = scope.service === 's3' ? undefined : runtimeEndpointName(req.method, pathname);
  const asyncEndpoint =
    scope.service === 's3' || runtimeEndpoint !== undefined
      ? undefined
      : asyncInvocationsEndpointName(req.method, pathname);
  let s3Target: ReturnType<typeof classifyS3> | undefined;
  if (typeof target === 'string') {
    protocol = 'awsJson';
    operation = target.slice(target.indexOf('.') + 1);
  } else if (runtimeEndpoint !== undefined) {
    protocol = 'restJson';
    operation = 'InvokeEndpoint';
  } else if (asyncEndpoint !== undefined) {
    protocol = 'restJson';
    operation = 'InvokeEndpointAsync';
  } else {
    protocol = 's3';
    s3Target = classifyS3(req, url());
    operation = s3Target.operation;
  }
  try {
    await injectFaults(services, operation, protocol === 's3');
    if (protocol === 'awsJson') {
      await handleAwsJson(services, req, res, String(target), scope.region, requestId);
    } else if (asyncEndpoint !== undefined) {
      await services.asyncInference.invoke(req, res, asyncEndpoint, scope.region, requestId);
    } else if (protocol === 'restJson') {
      await services.runtime.invoke(req, res, runtimeEndpoint as string, scope.region, requestId, receivedAt);
    } else {
      await services.s3.handle(req, res, url(), s3Target as ReturnType<typeof classifyS3>, scope);
    }
  } catch (err) {
    const serviceError = asServiceError(services, err, operation, protocol === 's3');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Drain what is left of the request body so the client sees the answer instead of a reset.
    req.resume();
    if (protocol === 's3') sendS3Error(req, res, serviceError);
    else sendJsonError(res, protocol, serviceError, requestId, jsonContentType(target));
  }
}

async function handleAwsJson(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  region: string,
  requestId: string,
): Promise<void> {
  const dot = target.indexOf('.');
  const service = target.slice(0, dot);
  const operation = target.slice(dot + 1);
  const { body, tooLarge } = await readPayload(req, 16 * 1024 * 1024);
  if (tooLarge) throw new ServiceError('SerializationException', 'Request body is too large.', 413);
  let input: unknown = {};
  const text = body.toString('utf8').trim();
  if (text !== '') {
    try {
      input = JSON.parse(text);
    } catch {
      throw new ServiceError('SerializationException', 'Start of structure or map found where not expected.', 400);
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ServiceError('SerializationException', 'Start of structure or map found where not expected.', 400);
  }
  let output: unknown;
  if (service === 'SageMaker' && services.sagemaker.knows(operation)) {
    output = await services.sagemaker.call(operation, region, input as Record<string, unknown>);
  } else if (service === 'AnyScaleFrontendService') {
    output = await services.autoScaling.call(operation, region, input as Record<string, unknown>);
  } else if (service === 'AWSEvents' && operation === 'PutEvents') {
    output = await putEvents(services.events, region, input);
  } else if (service === CLOUDWATCH_TARGET_PREFIX) {
    output = services.cloudWatch.call(operation, region, input as Record<string, unknown>);
  } else if (service === SERVICE_QUOTAS_TARGET_PREFIX) {
    output = services.serviceQuotas.call(operation, region, input as Record<string, unknown>);
  } else if (service === DYNAMODB_TARGET_PREFIX) {
    output = services.dynamodb.call(operation, region, input as Record<string, unknown>);
  } else {
    throw new ServiceError('UnknownOperationException', `Operation ${target} is not recognized.`, 400);
  }
  send(
    res,
    200,
    { 'content-type': jsonContentType(target), 'x-amzn-RequestId': requestId },
    JSON.stringify(output ?? {}),
  );
}
