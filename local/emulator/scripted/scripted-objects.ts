/**
 * S3 in process, for the scripted SageMaker's workflows: the emulator's own S3 (its S3Api over an S3Store in a
 * temporary folder), so every operation, member, condition and error is the emulator's and S3 is written once. The
 * double's bound S3 clients are answered by forwarding each command to an S3 client of this class's own, which sends
 * it over loopback HTTP to a server that only this process reaches (127.0.0.1, a free port). What the emulator's S3
 * refuses, this refuses the same way (501 NotImplemented naming the member). Every bucket exists (a double of the
 * stack's buckets and the user's, which the workflows never create): a command naming a bucket that is not there
 * yet creates it first, in the region of the client that sent it. Started on the first command; close() ends the
 * server and removes the folder.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceError } from '../errors.ts';
import { parseSigV4Scope } from '../http-util.ts';
import { S3Api, sendS3Error } from '../s3/api.ts';
import { classifyS3 } from '../s3/routing.ts';
import { type ObjectMeta, S3Store } from '../s3/store.ts';
import { regionOf, type SdkClient, type SdkCommand, unboundClient } from './sdk-binding.ts';

/** Credentials of the forwarding client: the loopback server does not check them. */
const LOOPBACK_CREDENTIALS = { accessKeyId: 'scripted', secretAccessKey: 'scripted' };

/** The running loopback server and the client that reaches it. */
interface Started {
  readonly server: Server;
  readonly client: S3Client;
}

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

/** S3 objects by bucket and key, in the emulator's S3Store. */
export class ScriptedObjects {
  /** The folder: the store's files (`s3/`), and the folders other parts of the double ask for. */
  root: string;
  /** The emulator's S3 store behind it (its folder is made on the first write). */
  store: S3Store;
  private started: Started | undefined;
  private starting: Promise<Started> | undefined;

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
    const { client: loopback } = await this.start();
    const store = this.store;
    const bucket = (command.input as { Bucket?: unknown }).Bucket;
    if (typeof bucket === 'string' && bucket !== '' && !store.hasBucket(bucket)) {
      await store.createBucket(bucket, await regionOf(client));
    }
    return loopback.send(command as never);
  }

  /** Ends the server and removes the folder with every object; the next command starts an empty S3 again. */
  close(): void {
    this.abandon();
    // A transform job still running writes on until it notices: retried, as a file may appear while removing.
    rmSync(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    this.root = freshRoot();
    this.store = new S3Store(join(this.root, 's3'));
  }

  /** Ends the server and leaves the folder as it is (the process that served it died): no command is answered again. */
  abandon(): void {
    const started = this.started;
    this.started = undefined;
    this.starting = undefined;
    if (started !== undefined) {
      started.client.destroy();
      started.server.closeAllConnections();
      started.server.close();
    }
  }

  private start(): Promise<Started> {
    this.starting ??= (async () => {
      const server = createServer((req, res) => void serveS3(new S3Api(this.store), req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      server.unref();
      const { port } = server.address() as { port: number };
      const client = unboundClient(
        S3Client,
        new S3Client({
          region: 'us-east-1',
          endpoint: `http://127.0.0.1:${port}`,
          forcePathStyle: true,
          credentials: LOOPBACK_CREDENTIALS,
        }),
      );
      this.started = { server, client };
      return this.started;
    })();
    return this.starting;
  }
}
