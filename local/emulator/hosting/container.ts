import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import type { ImageMapping } from './images.ts';

/** One container to run: image, command, model directory, environment, log stream file. */
export interface ContainerSpec {
  /** Name used in messages (`primary` for single-container models). */
  hostname: string;
  image: string;
  mapping: ImageMapping;
  modelDir: string;
  environment: Record<string, string>;
  logFile: string;
}

/** A request forwarded to a container's `/invocations`. */
export interface ContainerRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/** What the container answered. */
export interface ContainerResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Why a container could not be reached or did not answer in time. */
export class ContainerUnavailableError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'ContainerUnavailableError';
  }
}

/** Every live child process, so they can be killed even if the emulator exits without stop(). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

/** Ports handed out recently, so two containers starting at once never get the same one. */
const recentPorts: number[] = [];

/** Finds a free TCP port on 127.0.0.1 that was not handed out recently. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await probePort();
    if (!recentPorts.includes(port)) {
      recentPorts.push(port);
      if (recentPorts.length > 256) recentPorts.shift();
      return port;
    }
  }
  return probePort();
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A model server process that follows the SageMaker container contract (`serve`, `/ping`, `/invocations`). */
export class ContainerProcess {
  private child: ChildProcess | undefined;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  port = 0;

  constructor(readonly spec: ContainerSpec) {}

  /** True once the process has exited. */
  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Resolves when the process has exited (immediately if it never started). */
  whenExited(): Promise<void> {
    return this.exitPromise;
  }

  /** Describes how the process ended, e.g. `exited with code 1`. */
  get exitDescription(): string {
    if (!this.exitInfo) return 'is running';
    return this.exitInfo.signal ? `was killed by ${this.exitInfo.signal}` : `exited with code ${this.exitInfo.code}`;
  }

  /** Spawns `<command...> serve` with SAGEMAKER_BIND_TO_PORT, SM_MODEL_DIR and the model's Environment. */
  async start(): Promise<void> {
    installExitHook();
    this.port = await freePort();
    await mkdir(dirname(this.spec.logFile), { recursive: true });
    const fd = openSync(this.spec.logFile, 'a');
    const [command, ...args] = this.spec.mapping.command as [string, ...string[]];
    try {
      const child = spawn(command, [...args, 'serve'], {
        cwd: this.spec.mapping.cwd ?? process.cwd(),
        env: {
          ...process.env,
          ...this.spec.mapping.env,
          ...this.spec.environment,
          SAGEMAKER_BIND_TO_PORT: String(this.port),
          SM_MODEL_DIR: this.spec.modelDir,
        },
        stdio: ['ignore', fd, fd],
      });
      this.child = child;
      liveChildren.add(child);
      this.exitPromise = new Promise((resolve) => {
        const done = (code: number | null, signal: NodeJS.Signals | null) => {
          if (!this.exitInfo) this.exitInfo = { code, signal };
          liveChildren.delete(child);
          resolve();
        };
        child.once('exit', done);
        child.once('error', (err) => {
          void open(this.spec.logFile, 'a').then(async (h) => {
            await h.appendFile(`smwf: could not start ${command}: ${err.message}\n`);
            await h.close();
          });
          done(127, null);
        });
      });
    } finally {
      closeSync(fd);
    }
  }

  /** One GET /ping with a 2 s timeout; true on HTTP 200. */
  ping(timeoutMs = 2000): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, path: '/ping', method: 'GET', timeout: timeoutMs },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
          res.on('error', () => resolve(false));
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  /**
   * Polls /ping until it answers 200, the process exits, the deadline passes or `signal` aborts.
   * Returns undefined when healthy, else the reason.
   */
  async waitHealthy(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) return 'deployment was cancelled';
      if (this.exited) return `${this.exitDescription} before passing the ping health check`;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return 'did not pass the ping health check';
      if (await this.ping(Math.min(2000, Math.max(remaining, 50)))) return undefined;
      if (this.exited) continue;
      await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
    }
  }

  /** One GET (e.g. batch transform's optional `/execution-parameters`); status 0 when nothing answered in time. */
  get(path: string, timeoutMs: number): Promise<ContainerResponse> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: this.port, path, method: 'GET', timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: {}, body: Buffer.concat(chunks) }));
        res.on('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }));
      req.end();
    });
  }

  /** Forwards one invocation; rejects with ContainerUnavailableError on connection failure or timeout. */
  invoke(req: ContainerRequest, timeoutMs: number): Promise<ContainerResponse> {
    return this.send('POST', '/invocations', req, timeoutMs);
  }

  /** Multi-model contract: `POST /models` with `{"model_name", "url"}` loads a model (409 = already loaded, 507 = no room). */
  loadModel(name: string, url: string, timeoutMs: number): Promise<ContainerResponse> {
    const body = Buffer.from(JSON.stringify({ model_name: name, url }));
    return this.send('POST', '/models', { body, headers: { 'content-type': 'application/json' } }, timeoutMs);
  }

  /** Multi-model contract: `DELETE /models/<name>` unloads a model (its resources are free when it answers). */
  unloadModel(name: string, timeoutMs: number): Promise<ContainerResponse> {
    return this.send(
      'DELETE',
      `/models/${encodeURIComponent(name)}`,
      { body: Buffer.alloc(0), headers: {} },
      timeoutMs,
    );
  }

  /** Multi-model contract: `POST /models/<name>/invoke`. */
  invokeModel(name: string, req: ContainerRequest, timeoutMs: number): Promise<ContainerResponse> {
    return this.send('POST', `/models/${encodeURIComponent(name)}/invoke`, req, timeoutMs);
  }

  private send(method: string, path: string, req: ContainerRequest, timeoutMs: number): Promise<ContainerResponse> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method,
          headers: { ...req.headers, 'content-length': req.body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
            resolve({ status: res.statusCode ?? 500, headers, body: Buffer.concat(chunks) });
          });
          res.on('error', (err) => {
            clearTimeout(timer);
            reject(new ContainerUnavailableError(err.message, false));
          });
        },
      );
      const timer = setTimeout(() => {
        outgoing.destroy();
        reject(new ContainerUnavailableError('timed out', true));
      }, timeoutMs);
      outgoing.on('error', (err) => {
        clearTimeout(timer);
        reject(new ContainerUnavailableError(err.message, false));
      });
      outgoing.end(req.body);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /** The last `lines` lines of the container's log (at most ~2 KiB), for FailureReason. */
  async tail(lines = 10): Promise<string> {
    try {
      const handle = await open(this.spec.logFile, 'r');
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, 4096);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, size - length);
        const text = buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
        return text.length > 2000 ? text.slice(-2000) : text;
      } finally {
        await handle.close();
      }
    } catch {
      return '';
    }
  }
}
