/**
 * S3 in process, for the scripted SageMaker's workflows: the emulator's own S3 (its S3Api over an S3Store in a
 * temporary folder), so every operation, member, condition and error is the emulator's and S3 is written once. The
 * double's bound S3 clients are answered by forwarding each command to an S3 client of this class's own, whose HTTP
 * handler hands each request it would send to the S3Api in process, as the emulator's server hands it one (its S3
 * branch, without fault injection): the SDK serializes, signs and checks the request and parses the answer as over
 * HTTP, without a socket or Node's HTTP parsing on either side (which cost more than the S3Api's own work). An answer is
 * handed back whole, once the S3Api has ended it. What the emulator's S3 refuses, this refuses the same way (501
 * NotImplemented naming the member). Every bucket exists (a double of the stack's buckets and the user's, which the
 * workflows never create): a command naming a bucket that is not there yet creates it first, in the region of the
 * client that sent it. close() removes the folder.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceError } from '../errors.ts';
import { parseSigV4Scope } from '../http-util.ts';
import { S3Api, sendS3Error } from '../s3/api.ts';
import { classifyS3 } from '../s3/routing.ts';
import { type ObjectMeta, S3Store } from '../s3/store.ts';
import { regionOf, type SdkClient, type SdkCommand, unboundClient } from './sdk-binding.ts';

/** Credentials of the forwarding client: the S3Api does not check them. */
const FORWARDING_CREDENTIALS = { accessKeyId: 'scripted', secretAccessKey: 'scripted' };

/** The address the forwarding client's requests name (path style): a reserved name (RFC 2606) nothing answers. */
const IN_PROCESS_ENDPOINT = 'http://s3.in-process.invalid';

/** A temporary folder's path, created on first write. */
function freshRoot(): string {
  return join(tmpdir(), `smwf-scripted-s3-${randomUUID()}`);
}

/** Answers one request as the emulator's server answers an S3 request (its S3 branch, without fault injection). */
async function serveS3(api: S3Api, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  try {
    await api.handle(req, res, url, classifyS3(req, url), parseSigV4Scope(req, url));
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    req.resume();
    sendS3Error(req, res, err instanceof ServiceError ? err : new ServiceError('InternalError', String(err), 500));
  }
}

/** A request as the SDK's HTTP handler gets it (@smithy/protocol-http's HttpRequest). */
interface SdkHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[] | null>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** A query string as the SDK's HTTP handler builds it (each name and value URI-escaped, a null value a bare name). */
function queryString(query: SdkHttpRequest['query']): string {
  const escaped = (value: string) =>
    encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const parts: string[] = [];
  for (const name of Object.keys(query ?? {}).sort()) {
    const value = query?.[name];
    if (value === null || value === undefined) parts.push(escaped(name));
    else for (const item of Array.isArray(value) ? value : [value]) parts.push(`${escaped(name)}=${escaped(item)}`);
  }
  return parts.join('&');
}

/** The request's body as the stream a server reads it from. */
function requestStream(request: SdkHttpRequest): Readable {
  const body = request.body;
  if (body instanceof Readable) return body.pipe(new PassThrough());
  const stream = new PassThrough();
  if (body === undefined || body === null) stream.end();
  else if (typeof body === 'string' || body instanceof Uint8Array) stream.end(Buffer.from(body as Uint8Array));
  else throw new Error(`The in-process S3 cannot send a body of type ${typeof body}`);
  return stream;
}

/**
 * What the S3Api writes its answer to, as it writes to a ServerResponse (writeHead, the body, end), kept whole; a
 * destroyed answer (an error after its headers went out) is a reset connection, as a server's is.
 */
class CollectedAnswer extends Writable {
  statusCode = 200;
  headers: Record<string, string> = {};
  headersSent = false;
  private readonly chunks: Buffer[] = [];

  writeHead(status: number, headers: Record<string, unknown> = {}): this {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined)
        this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    this.headersSent = true;
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    // A copy: the S3Store reads the next bytes into the same buffer once this write is done.
    this.chunks.push(Buffer.from(chunk));
    done();
  }

  /** The answer once ended, as the SDK's HTTP handler gives it; rejects as a reset connection when destroyed. */
  answered(method: string): Promise<{ statusCode: number; headers: Record<string, string>; body: Readable }> {
    return new Promise((resolve, reject) => {
      this.once('finish', () => {
        const body = new PassThrough();
        // A HEAD answer has no body on the wire, whatever was written.
        body.end(method === 'HEAD' ? Buffer.alloc(0) : Buffer.concat(this.chunks));
        resolve({ statusCode: this.statusCode, headers: this.headers, body });
      });
      this.once('close', () => {
        if (!this.writableFinished) reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      });
    });
  }
}

/** The forwarding client's HTTP handler: each request handed to the S3Api of `store()` in process. */
function inProcessHandler(store: () => S3Store) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: SdkHttpRequest): Promise<{ response: unknown }> {
      const query = queryString(request.query);
      const req = Object.assign(requestStream(request), {
        method: request.method,
        url: query === '' ? request.path : `${request.path}?${query}`,
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
        ),
      }) as unknown as IncomingMessage;
      const res = new CollectedAnswer();
      const answered = res.answered(request.method);
      answered.catch(() => undefined);
      await serveS3(new S3Api(store()), req, res as unknown as ServerResponse);
      return { response: await answered };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

/** S3 objects by bucket and key, in the emulator's S3Store. */
export class ScriptedObjects {
  /** The folder: the store's files (`s3/`), and the folders other parts of the double ask for. */
  root: string;
  /** The emulator's S3 store behind it (its folder is made on the first write). */
  store: S3Store;
  /** The client the bound clients' commands are forwarded to, made on the first command. */
  private forwarding: S3Client | undefined;

  /** Objects under `root` (a state directory), or by default in a temporary folder of their own. */
  constructor(root = freshRoot()) {
    this.root = root;
    this.store = new S3Store(join(this.root, 's3'));
  }

  /** Loads the buckets and objects already under the folder (the emulator's S3Store.load, as at its start). */
  load(): Promise<void> {
    return this.store.load();
  }

  /** A folder of its own under the temporary folder (removed with it by close()), created if needed. */
  async folder(name: string): Promise<string> {
    const dir = join(this.root, name);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** The object at `bucket`/`key` (its metadata: ETag, size, ...), or undefined. */
  get(bucket: string, key: string): ObjectMeta | undefined {
    return this.store.hasBucket(bucket) ? this.store.current(bucket, key) : undefined;
  }

  /** Every stored object's `bucket/key`, sorted (what a test counts as left behind). */
  keys(): string[] {
    const store = this.store;
    return store
      .listBuckets()
      .flatMap((bucket) => store.keys(bucket.name).map((key) => `${bucket.name}/${key}`))
      .sort();
  }

  /** Answers one command of a bound S3 client with the emulator's S3 (its answer or its error, as the SDK gives it). */
  async answer(client: SdkClient, command: SdkCommand): Promise<unknown> {
    const forwarding = this.forwardingClient();
    const store = this.store;
    const bucket = (command.input as { Bucket?: unknown }).Bucket;
    if (typeof bucket === 'string' && bucket !== '' && !store.hasBucket(bucket)) {
      await store.createBucket(bucket, await regionOf(client));
    }
    return forwarding.send(command as never);
  }

  /** Removes the folder with every object; the next command starts an empty S3 again. */
  close(): void {
    this.abandon();
    // A transform job still running writes on until it notices: retried, as a file may appear while removing.
    rmSync(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    this.root = freshRoot();
    this.store = new S3Store(join(this.root, 's3'));
  }

  /** Leaves the folder as it is (the process that served it died): its client is dropped. */
  abandon(): void {
    this.forwarding?.destroy();
    this.forwarding = undefined;
  }

  private forwardingClient(): S3Client {
    this.forwarding ??= unboundClient(
      S3Client,
      new S3Client({
        region: 'us-east-1',
        endpoint: IN_PROCESS_ENDPOINT,
        forcePathStyle: true,
        credentials: FORWARDING_CREDENTIALS,
        requestHandler: inProcessHandler(() => this.store) as never,
      }),
    );
    return this.forwarding;
  }
}
