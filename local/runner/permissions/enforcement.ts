/**
 * Local IAM: every AWS call a step makes while the runner runs it is checked against that step's role policy, as
 * synthesized, before the request leaves the process. The runner sets the caller (the function, its role) in an
 * AsyncLocalStorage around each handler invocation, so steps running at once (a Map) are each checked as
 * themselves; a middleware on every AWS SDK client of the process reads it. Outside a step (tests, the CLI, the
 * emulator) there is no caller and nothing is checked; on Lambda the runner is not there at all.
 *
 * A denied call gets the response AWS gives it, which the SDK itself turns into the error the handler sees:
 * S3 answers 403 `AccessDenied` (XML; a HEAD request has no body), the JSON services 400 `AccessDeniedException`
 * (the "Common Errors" of the SageMaker, EventBridge and Application Auto Scaling API references), with IAM's
 * message (policy.ts). Nothing reaches the emulator: a denied call has no effect, as on AWS.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { __Client } from '@aws-sdk/client-sagemaker';
import { LOCAL_AUTHORIZATION_KEY, type LocalAuthorization } from '../../../tasks/_shared/local-authorization.ts';
import { type AuthorizationRequest, accessDeniedMessage, type Decision, evaluate } from '../../emulator/iam/policy.ts';
import type { SynthesizedFunction, SynthesizedRole, SynthesizedWorkflows } from '../synthesize.ts';
import { type CallScope, requiredPermissions } from './required-permissions.ts';
import { PERMISSION_USAGE_DIR_ENV } from './usage-dir.ts';

/** The environment variable that turns the checks off for a run (`SMWF_PERMISSIONS=off`). */
const PERMISSIONS_ENV = 'SMWF_PERMISSIONS';

/** Whether the checks are on: they are unless `SMWF_PERMISSIONS` is `off` (or `0`, `false`). */
export function permissionsEnabledByEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['off', '0', 'false'].includes((env[PERMISSIONS_ENV] ?? '').trim().toLowerCase());
}

/** The identity a step's calls carry: its function and the role it runs as. */
export interface Caller {
  readonly fn: SynthesizedFunction;
  readonly role: SynthesizedRole;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<function>`, as Lambda's role session is named. */
  readonly principal: string;
  readonly account: string;
  readonly bucketKeys: ReadonlyMap<string, string>;
}

const callers = new AsyncLocalStorage<Caller>();

/** A function that has no role in the stack: its calls cannot be checked, so the runner refuses to run it. */
class UnknownRoleError extends Error {
  constructor(fn: SynthesizedFunction) {
    super(
      `Function ${fn.logicalId} (${fn.task}) has no role in the synthesized stack: its AWS calls cannot be checked`,
    );
    this.name = 'UnknownRoleError';
  }
}

/** The caller `fn` runs as in `workflows` (synthesized with `account`). */
export function callerOf(fn: SynthesizedFunction, workflows: SynthesizedWorkflows, account: string): Caller {
  const role = fn.roleArn === undefined ? undefined : workflows.roles[fn.roleArn];
  if (role === undefined) throw new UnknownRoleError(fn);
  return {
    fn,
    role,
    principal: `arn:aws:sts::${account}:assumed-role/${role.name}/${fn.logicalId}`,
    account,
    bucketKeys: new Map(workflows.encryptedBuckets.map((b) => [b.bucket, b.kmsKeyArn])),
  };
}

/** Runs `work` as `caller`: every AWS call it makes (and the calls of whatever it starts) is checked. */
export function runAs<T>(caller: Caller, work: () => Promise<T>): Promise<T> {
  installPermissionChecks();
  return callers.run(caller, work);
}

const recorded = new Set<string>();

/** Appends an allowed action of a task to this process's usage file, once (the e2e coverage report reads them). */
function recordUsage(task: string, action: string): void {
  const dir = process.env[PERMISSION_USAGE_DIR_ENV];
  if (dir === undefined || dir === '') return;
  const key = `${task}\0${action}`;
  if (recorded.has(key)) return;
  recorded.add(key);
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify({ task, action })}\n`);
}

/** The first request of a call that IAM refuses, with its decision. */
function firstDenied(
  caller: Caller,
  requests: readonly AuthorizationRequest[],
): { request: AuthorizationRequest; decision: Decision } | undefined {
  for (const request of requests) {
    const decision = evaluate(caller.role.statements, request);
    if (decision !== 'allowed') return { request, decision };
  }
  return undefined;
}

interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const encode = (value: string) => new TextEncoder().encode(value);

/** AWS's response to a denied call, in the protocol of the client's service. */
function accessDeniedResponse(client: string, method: string, message: string): WireResponse {
  const requestId = randomUUID();
  if (client === 'S3Client') {
    const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const body =
      method === 'HEAD'
        ? ''
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${escaped}</Message>` +
          `<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
    return {
      statusCode: 403,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body: encode(body),
    };
  }
  if (client === 'SageMakerRuntimeClient') {
    // restJson1: the error's name travels in x-amzn-ErrorType.
    return {
      statusCode: 400,
      headers: {
        'content-type': 'application/json',
        'x-amzn-errortype': 'AccessDeniedException',
        'x-amzn-requestid': requestId,
      },
      body: encode(JSON.stringify({ message })),
    };
  }
  return {
    statusCode: 400,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
    body: encode(JSON.stringify({ __type: 'AccessDeniedException', Message: message })),
  };
}

interface MiddlewareArgs {
  input: Record<string, unknown>;
  request?: { method?: string };
}
interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}
type Next = (args: MiddlewareArgs) => Promise<{ response: unknown; output?: unknown }>;

/** The permission check of one client, placed just before its request is sent (after it is serialized). */
function permissionMiddleware(region: () => Promise<string>) {
  return (next: Next, context: MiddlewareContext) =>
    async (args: MiddlewareArgs): Promise<{ response: unknown; output?: unknown }> => {
      const caller = callers.getStore();
      if (caller === undefined) return next(args);
      const client = context.clientName ?? 'unknown client';
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const scope: CallScope = { region: await region(), account: caller.account, bucketKeys: caller.bucketKeys };
      const requests = requiredPermissions(client, operation, args.input, scope);
      const denied = firstDenied(caller, requests);
      if (denied !== undefined) {
        const message = accessDeniedMessage(caller.principal, denied.request, denied.decision, {
          quoteResource: client === 'S3Client',
        });
        return { response: accessDeniedResponse(client, args.request?.method ?? 'POST', message) };
      }
      for (const request of requests) recordUsage(caller.fn.task, request.action);
      const result = await next(args);
      return s3MissingObjectWithoutList(client, operation, args, caller, scope)
        ? hideMissingObject(result, args)
        : result;
    };
}

/**
 * S3 answers a GetObject or HeadObject of a missing key 404 only to a caller allowed s3:ListBucket on the bucket;
 * to others 403 Access Denied, so that keys cannot be probed (API reference, GetObject and HeadObject "Permissions").
 */
function s3MissingObjectWithoutList(
  client: string,
  operation: string,
  args: MiddlewareArgs,
  caller: Caller,
  scope: CallScope,
): boolean {
  if (client !== 'S3Client' || (operation !== 'GetObject' && operation !== 'HeadObject')) return false;
  const [listing] = requiredPermissions(client, 'ListObjectsV2', { Bucket: args.input.Bucket }, scope);
  if (listing === undefined) return false;
  if (evaluate(caller.role.statements, listing) === 'allowed') {
    recordUsage(caller.fn.task, listing.action);
    return false;
  }
  return true;
}

function hideMissingObject(
  result: { response: unknown; output?: unknown },
  args: MiddlewareArgs,
): { response: unknown; output?: unknown } {
  const response = result.response as { statusCode?: number; body?: { resume?: () => void } };
  if (response.statusCode !== 404) return result;
  response.body?.resume?.();
  return { response: accessDeniedResponse('S3Client', args.request?.method ?? 'GET', 'Access Denied') };
}

/**
 * The check of a call a step sends without an SDK client (tasks/_shared/local-authorization.ts): the same decision
 * as the middleware's, and for a denial the error the SDK raises for AWS's answer (a service exception named
 * `AccessDeniedException`, HTTP 400, IAM's message).
 */
const authorizeUnsignedCall: LocalAuthorization = async (client, operation, input) => {
  const caller = callers.getStore();
  if (caller === undefined) return;
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const scope: CallScope = { region, account: caller.account, bucketKeys: caller.bucketKeys };
  const requests = requiredPermissions(client, operation, input, scope);
  const denied = firstDenied(caller, requests);
  if (denied !== undefined) {
    const message = accessDeniedMessage(caller.principal, denied.request, denied.decision, {
      quoteResource: client === 'S3Client',
    });
    throw Object.assign(new Error(message), {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 },
    });
  }
  for (const request of requests) recordUsage(caller.fn.task, request.action);
};

const MIDDLEWARE_NAME = 'smwfLocalPermissionCheck';

interface PatchableClient {
  config: { region?: unknown };
  middlewareStack: { add(middleware: unknown, options: Record<string, unknown>): void };
  send(...args: unknown[]): unknown;
}

/**
 * The patch of the SDK's client base class, one per process: the SDK is loaded once per process, but this module
 * may be loaded more than once (the tests load the project's modules afresh for each test file that points clients
 * at an emulator, in a shared process). The patch is installed by the first copy; each later copy makes its own
 * checks (its own callers, its own recording) the ones the clients get from then on.
 */
const PATCH_KEY = Symbol.for('sagemaker-workflows.local-permission-checks');
interface ClientPatch {
  middlewareOf: typeof permissionMiddleware;
}

/**
 * Adds the permission check to every AWS SDK v3 client of this process, whoever constructed it and however (the
 * steps construct theirs at module scope): the first `send` of each client adds the middleware to its stack, in the
 * deserialize step after the deserializer, so a denial becomes the SDK's own exception. Idempotent.
 */
export function installPermissionChecks(): void {
  (globalThis as Record<symbol, LocalAuthorization>)[LOCAL_AUTHORIZATION_KEY] = authorizeUnsignedCall;
  const processWide = globalThis as Record<symbol, ClientPatch | undefined>;
  const installed = processWide[PATCH_KEY];
  if (installed !== undefined) {
    installed.middlewareOf = permissionMiddleware;
    return;
  }
  const patch: ClientPatch = { middlewareOf: permissionMiddleware };
  processWide[PATCH_KEY] = patch;
  const checkedClients = new WeakSet<object>();
  const base = __Client.prototype as unknown as PatchableClient;
  const send = base.send;
  base.send = function (this: PatchableClient, ...args: unknown[]) {
    if (!checkedClients.has(this)) {
      checkedClients.add(this);
      const region = this.config.region;
      const regionOf = async () => String(typeof region === 'function' ? await region() : region);
      this.middlewareStack.add(patch.middlewareOf(regionOf), {
        step: 'deserialize',
        priority: 'low',
        name: MIDDLEWARE_NAME,
      });
    }
    return send.apply(this, args);
  };
}

/** The client base class the checks are installed on (tests check every SDK client the project uses shares it). */
export const checkedClientBase: unknown = __Client;
