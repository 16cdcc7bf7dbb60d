import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { describeConflict, findAddressConflict } from './address-conflicts.ts';
import { ContainerConnectionFailure, ContainerConnections } from './container-http.ts';
import { CONTAINER_ID_VARIABLE, type ContainerEntry, type ContainerRecords } from './container-records.ts';
import type { ImageMapping } from './images.ts';
import {
  hostFacts,
  hostTmpPathsOf,
  ISOLATED_MODEL_DIR,
  ISOLATED_PORT,
  type IsolationTools,
  isolatedArgv,
  isolationTools,
} from './isolation.ts';
import { trackContainer } from './live-containers.ts';
import { freePort } from './ports.ts';
import { groupAlive, listeningPorts, processAlive, processTree } from './process-tree.ts';

/** One container to run: image, command, model directory, environment, log stream file. */
export interface ContainerSpec {
  /** Name used in messages (`primary` for single-container models). */
  hostname: string;
  image: string;
  mapping: ImageMapping;
  modelDir: string;
  environment: Record<string, string>;
  logFile: string;
  /** The emulator's records of its containers (state directory), which also make each one's private folder. */
  records: ContainerRecords;
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

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/** Unix socket paths are limited to 107 bytes (sun_path). */
const MAX_SOCKET_PATH = 107;
/** Where SageMaker puts the model; a plain process finds it only where the machine has it. */
const SAGEMAKER_MODEL_DIR = '/opt/ml/model';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What one GET /ping got: 200, another answer (or no answer in time), or no connection at all. */
type PingOutcome = 'healthy' | 'answered' | 'unreachable';

/** How an isolated container's namespace init reports (fd 3, one JSON object per line). */
interface NamespaceStatus {
  ready?: boolean;
  setupFailed?: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * A model server that follows the SageMaker container contract (`serve`, `/ping`, `/invocations`): a process group of
 * its own, stopped as a group; with `"isolation": "namespaces"` in its image mapping, fresh PID, mount and network
 * namespaces (see isolation.ts).
 */
export class ContainerProcess {
  private child: ChildProcess | undefined;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  private stopping = false;
  /** The grace period of the stop under way (SIGTERM to SIGKILL). */
  private graceMs = 0;
  /** Why the container could not be started at all (reported instead of a ping result). */
  private startProblem: string | undefined;
  /** Isolation mode: the namespace is set up (the command runs), or why its setup failed. */
  private namespaceReady = false;
  private namespaceFailure: string | undefined;
  /** Processes of the container's tree outside its group when a stop began: signalled one by one with the group. */
  private stopSnapshot: number[] = [];
  /** Its record and private folder: TMPDIR, or (isolated) the relay socket and the namespace's scratch mount point. */
  private entry: ContainerEntry | undefined;
  /** Counts the container among this process's running ones until none of its processes runs. */
  private untrack: (() => void) | undefined;
  /** Isolation mode: the relay socket the emulator connects to instead of a TCP port. */
  private socketPath: string | undefined;
  /** Kept-alive connections for invocations and the multi-model API. */
  private readonly connections = new ContainerConnections(() => this.address());
  /** The port the container is asked to listen on (SAGEMAKER_BIND_TO_PORT; 8080 when isolated). */
  port = 0;

  constructor(readonly spec: ContainerSpec) {}

  /** True when the image runs in the emulator's isolation mode. */
  get isolated(): boolean {
    return this.spec.mapping.isolation === 'namespaces';
  }

  /** The main process's id while it runs (also its process group's id). */
  get pid(): number | undefined {
    return this.exited ? undefined : this.child?.pid;
  }

  /** True once the main process has exited (or never started). */
  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Resolves when the main process has exited and every other process of the container is gone too. */
  whenExited(): Promise<void> {
    return this.exitPromise;
  }

  /** Describes how the main process ended, e.g. `exited with code 1`. */
  get exitDescription(): string {
    if (!this.exitInfo) return 'is running';
    return this.exitInfo.signal ? `was killed by ${this.exitInfo.signal}` : `exited with code ${this.exitInfo.code}`;
  }

  /**
   * Spawns `<command...> serve` in a process group of its own, with SAGEMAKER_BIND_TO_PORT, SM_MODEL_DIR, a private
   * TMPDIR and the model's Environment; isolated, inside fresh namespaces with port 8080 and /opt/ml/model.
   */
  async start(): Promise<void> {
    let tools: IsolationTools | undefined;
    if (this.isolated) {
      const found = isolationTools(hostFacts());
      if ('unsupported' in found) {
        this.refuse(
          `could not be started: the emulator's images file runs image '${this.spec.image}' in isolation mode ("isolation": "namespaces"), ${found.unsupported}`,
        );
        return;
      }
      tools = found;
    }
    const { records } = this.spec;
    const entry = await records.open({
      image: this.spec.image,
      hostname: this.spec.hostname,
      logFile: this.spec.logFile,
    });
    this.entry = entry;
    let argv = [...this.spec.mapping.command, 'serve'];
    if (tools) {
      this.port = ISOLATED_PORT;
      this.socketPath = join(entry.scratchDir, 'relay.sock');
      if (Buffer.byteLength(this.socketPath) > MAX_SOCKET_PATH) {
        await records.close(entry);
        this.refuse(
          `could not be started in the emulator's isolation mode: its relay socket path ${this.socketPath} is longer than a unix socket path may be (${MAX_SOCKET_PATH} bytes); set TMPDIR to a shorter folder`,
        );
        return;
      }
      await mkdir(join(entry.scratchDir, 'ns'));
      argv = isolatedArgv(tools, {
        ip: tools.ip,
        mount: tools.mount,
        modelDir: this.spec.modelDir,
        scratchDir: entry.scratchDir,
        relaySocket: this.socketPath,
        port: ISOLATED_PORT,
        command: argv,
        keepPaths: hostTmpPathsOf(argv, this.spec.mapping.cwd ?? process.cwd()),
      });
    } else this.port = await freePort();
    await mkdir(dirname(this.spec.logFile), { recursive: true });
    const fd = openSync(this.spec.logFile, 'a');
    const program = argv[0] as string;
    const [command, ...args] = records.launchArgv(entry, argv) as [string, ...string[]];
    try {
      const child = spawn(command, args, {
        cwd: this.spec.mapping.cwd ?? process.cwd(),
        env: {
          ...process.env,
          TMPDIR: tools ? '/tmp' : entry.tmpDir,
          ...this.spec.mapping.env,
          ...this.spec.environment,
          SAGEMAKER_BIND_TO_PORT: String(this.port),
          SM_MODEL_DIR: tools ? ISOLATED_MODEL_DIR : this.spec.modelDir,
          // Every process of the container starts with it: the next start finds one that left the group by it.
          [CONTAINER_ID_VARIABLE]: entry.id,
        },
        // stdin: the emulator's end of the socket pair the launch's watcher waits on (see container-records.ts).
        stdio: tools ? ['pipe', fd, fd, 'pipe'] : ['pipe', fd, fd],
        // A process group of its own: stop() signals every process the container started.
        detached: true,
      });
      this.child = child;
      const pgid = child.pid;
      if (pgid !== undefined) {
        records.launched(entry, pgid);
        this.untrack = trackContainer({ kill: () => this.signalAll('SIGKILL'), scratchDir: entry.scratchDir });
      }
      if (tools) this.readNamespaceStatus(child.stdio[3] as Readable);
      this.exitPromise = new Promise((resolve) => {
        let ended = false;
        const done = (code: number | null, signal: NodeJS.Signals | null) => {
          if (ended) return;
          ended = true;
          this.exitInfo ??= { code, signal };
          void this.reap(pgid).then(resolve);
        };
        // 'close' waits for the status pipe of an isolated container, so its last status line has been read.
        child.once('close', done);
        child.once('error', (err) => {
          void open(this.spec.logFile, 'a').then(async (h) => {
            await h.appendFile(`smwf: could not start ${program}: ${err.message}\n`);
            await h.close();
          });
          done(127, null);
        });
      });
    } catch (err) {
      // Refused before anything started (spawn throws on arguments it cannot pass): nothing of it is left.
      await records.close(entry);
      throw err;
    } finally {
      closeSync(fd);
    }
  }

  /** Marks the container as one that could not be started, for `reason`. */
  private refuse(reason: string): void {
    this.startProblem = reason;
    this.exitInfo = { code: null, signal: null };
    this.exitPromise = Promise.resolve();
  }

  private readNamespaceStatus(stream: Readable): void {
    createInterface({ input: stream }).on('line', (line) => {
      let status: NamespaceStatus;
      try {
        status = JSON.parse(line) as NamespaceStatus;
      } catch {
        return;
      }
      if (status.ready) this.namespaceReady = true;
      if (status.setupFailed) this.namespaceFailure = status.setupFailed;
      // The command's own exit, not unshare's: that is how the container ended.
      if (status.exit) this.exitInfo ??= status.exit;
    });
  }

  /**
   * After the main process ended: like a container whose process 1 exits, whatever else it started is killed (at once,
   * or when a stop's grace period ends); resolves once none of it runs, and removes the container's scratch files.
   */
  private async reap(pgid: number | undefined): Promise<void> {
    this.connections.close();
    if (pgid !== undefined) {
      if (!this.stopping) this.signalAll('SIGKILL');
      // Bounded (past a stop's SIGKILL): a process stuck in the kernel (state D) must not hang the emulator.
      const deadline = Date.now() + this.graceMs + 10_000;
      while (this.anyAlive(pgid) && Date.now() < deadline) await sleep(25);
      this.untrack?.();
      this.untrack = undefined;
    }
    // Only now may the emulator's end of the watcher's socket pair close: nothing of the container is left to end.
    this.child?.stdin?.destroy();
    if (this.entry) await this.spec.records.close(this.entry);
  }

  private anyAlive(pgid: number): boolean {
    return groupAlive(pgid) || this.stopSnapshot.some(processAlive);
  }

  /** Signals the container's process group, and any process of its tree that left the group. */
  private signalAll(signal: NodeJS.Signals): void {
    const pgid = this.child?.pid;
    // Once none of the group runs, its id may be handed out again: nothing more is signalled.
    if (pgid === undefined || this.untrack === undefined) return;
    // Windows has no process groups to signal: the main process is all the emulator can stop there.
    if (process.platform === 'win32') {
      this.child?.kill(signal);
      return;
    }
    signalGroup(pgid, signal);
    for (const pid of this.stopSnapshot) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone
      }
    }
  }

  /** Where the container is reached: its TCP port on 127.0.0.1, or (isolated) the relay socket. */
  private address(): { host: string; port: number } | { socketPath: string } {
    return this.socketPath ? { socketPath: this.socketPath } : { host: '127.0.0.1', port: this.port };
  }

  /** One GET /ping with a 2 s timeout. */
  private ping(timeoutMs = 2000): Promise<PingOutcome> {
    return new Promise((resolve) => {
      const req = request({ ...this.address(), path: '/ping', method: 'GET', timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? 'healthy' : 'answered'));
        res.on('error', () => resolve('answered'));
      });
      req.on('timeout', () => {
        resolve('answered'); // connected, but no answer in time
        req.destroy();
      });
      // Refused, or (through the relay) accepted and closed because nothing listens inside.
      req.on('error', () => resolve('unreachable'));
      req.end();
    });
  }

  /**
   * Polls /ping until it answers 200, the process exits, the deadline passes or `signal` aborts.
   * Returns undefined when healthy, else the reason (the rest of a sentence that names the container).
   */
  async waitHealthy(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const problem = await this.pollHealthy(timeoutMs, signal);
    if (problem === undefined || problem === this.startProblem || signal?.aborted) return problem;
    return `${problem}${await this.modelPathHint()}`;
  }

  private async pollHealthy(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    let answered = false;
    for (;;) {
      if (this.startProblem) return this.startProblem;
      if (signal?.aborted) return 'deployment was cancelled';
      if (this.exited) return this.exitReason();
      const remaining = deadline - Date.now();
      if (remaining <= 0) return answered ? 'did not pass the ping health check' : this.nothingAnswered(timeoutMs);
      const outcome = await this.ping(Math.min(2000, Math.max(remaining, 50)));
      if (outcome === 'healthy') return this.addressConflict();
      if (outcome === 'answered') answered = true;
      if (this.exited) continue;
      await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
    }
  }

  /**
   * A plain process shares the machine's filesystem and network: when it listens on a unix socket path or a TCP port
   * that another process listens on too, it would answer (or have answered for it) another model's requests.
   * Isolated containers have their own /tmp and network, so they are not checked.
   */
  private addressConflict(): string | undefined {
    const root = this.child?.pid;
    if (this.isolated || root === undefined) return undefined;
    const conflict = findAddressConflict(
      processTree(root).map((p) => p.pid),
      { variable: CONTAINER_ID_VARIABLE, own: `${CONTAINER_ID_VARIABLE}=${this.entry?.id}` },
    );
    return conflict ? describeConflict(conflict) : undefined;
  }

  /**
   * A plain process that failed and whose log names SageMaker's model path, on a machine without it: says so (the
   * program probably reads its model there instead of from SM_MODEL_DIR), as the port diagnosis does for port 8080.
   */
  private async modelPathHint(): Promise<string> {
    if (this.isolated || existsSync(SAGEMAKER_MODEL_DIR)) return '';
    if (!(await this.logEnd(65_536)).includes(SAGEMAKER_MODEL_DIR)) return '';
    return `. Its log mentions ${SAGEMAKER_MODEL_DIR}, which does not exist on this machine: a program with a fixed model path runs unchanged in the emulator's isolation mode ("isolation": "namespaces" in the images file), which mounts the model there read-only; otherwise it must read the model from SM_MODEL_DIR`;
  }

  private exitReason(): string {
    if (this.isolated && !this.namespaceReady) {
      return this.namespaceFailure
        ? `could not be started in the emulator's isolation mode: ${this.namespaceFailure}`
        : `could not be started in the emulator's isolation mode: unshare ${this.exitDescription} before the namespaces were set up`;
    }
    return `${this.exitDescription} before passing the ping health check`;
  }

  /** Nothing ever answered on the port: says so, and which TCP ports the container's processes listen on. */
  private nothingAnswered(timeoutMs: number): string {
    const base = `did not pass the ping health check: nothing answered on port ${this.port} (SAGEMAKER_BIND_TO_PORT) within ${timeoutMs / 1000} seconds`;
    const root = this.child?.pid;
    const ports = root === undefined ? undefined : listeningPorts(processTree(root).map((p) => p.pid));
    if (ports === undefined || ports.includes(this.port)) return base;
    if (ports.length === 0) return `${base}, and no process of the container listens on a TCP port`;
    const listens = `the container listens on ${ports.length === 1 ? 'port' : 'ports'} ${ports.join(', ')}`;
    return this.isolated
      ? `${base}; ${listens}, and SageMaker sends requests to port ${ISOLATED_PORT}`
      : `${base}; ${listens}. A program with a fixed port runs unchanged in the emulator's isolation mode ("isolation": "namespaces" in the images file); otherwise it must listen on SAGEMAKER_BIND_TO_PORT`;
  }

  /** One GET (e.g. batch transform's optional `/execution-parameters`); status 0 when nothing answered in time. */
  get(path: string, timeoutMs: number): Promise<ContainerResponse> {
    return new Promise((resolve) => {
      const req = request({ ...this.address(), path, method: 'GET', timeout: timeoutMs }, (res) => {
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

  private async send(
    method: string,
    path: string,
    req: ContainerRequest,
    timeoutMs: number,
  ): Promise<ContainerResponse> {
    try {
      return await this.connections.request(method, path, req.headers, req.body, timeoutMs);
    } catch (err) {
      if (err instanceof ContainerConnectionFailure) throw new ContainerUnavailableError(err.message, err.timedOut);
      throw err;
    }
  }

  /**
   * SIGTERM to every process of the container, then SIGKILL to those left after `graceMs`; resolves once none runs.
   * (Isolated, the namespace's process 1 passes SIGTERM on to every process in it.)
   */
  async stop(graceMs = 5000): Promise<void> {
    const root = this.child?.pid;
    // Once the main process has exited, the rest of the container is being killed already (see reap).
    if (root !== undefined && !this.stopping && !this.exited) {
      this.stopping = true;
      this.graceMs = graceMs;
      // Isolated, the namespace takes everything with it; otherwise a process that left the group is signalled alone.
      this.stopSnapshot = this.isolated ? [] : processTree(root).flatMap((p) => (p.pgrp === root ? [] : [p.pid]));
      this.signalAll('SIGTERM');
      const timer = setTimeout(() => this.signalAll('SIGKILL'), graceMs);
      await this.exitPromise;
      clearTimeout(timer);
    }
    await this.exitPromise;
  }

  /** The last `lines` lines of the container's log (at most ~2 KiB), for FailureReason. */
  async tail(lines = 10): Promise<string> {
    const text = (await this.logEnd(4096)).trimEnd().split('\n').slice(-lines).join('\n');
    return text.length > 2000 ? text.slice(-2000) : text;
  }

  /** The last `bytes` bytes of the container's log, or '' when there is none. */
  private async logEnd(bytes: number): Promise<string> {
    try {
      const handle = await open(this.spec.logFile, 'r');
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, bytes);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, size - length);
        return buffer.toString('utf8');
      } finally {
        await handle.close();
      }
    } catch {
      return '';
    }
  }
}
