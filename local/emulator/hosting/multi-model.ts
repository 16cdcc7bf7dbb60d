import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { remove } from '../fs-util.ts';
import type { S3Store } from '../s3/store.ts';
import { parseS3Uri } from '../s3/uri.ts';
import { ModelDataError, prepareModelDir } from './artifacts.ts';
import type { ContainerProcess, ContainerRequest, ContainerResponse } from './container.ts';

/** How multi-model containers are run; emulator options. */
export interface MultiModelOptions {
  /** Models one container (one instance) keeps loaded; a load beyond it unloads the least recently used one. */
  readonly capacity: number;
  /** How long an invocation waits for its model's download and load before `ModelNotReadyException` (AWS: 60 s). */
  readonly loadWaitMs: number;
  /** How long a download and load may take in all before it is given up (AWS: 360 s). */
  readonly loadTimeoutMs: number;
}

/** AWS's figures, and a per-instance model capacity of 100. */
export const DEFAULT_MULTI_MODEL_OPTIONS: MultiModelOptions = {
  capacity: 100,
  loadWaitMs: 60_000,
  loadTimeoutMs: 360_000,
};

/** `ModelCacheSetting` of the container's `MultiModelConfig` (`Enabled` when absent). */
export type ModelCacheSetting = 'Enabled' | 'Disabled';

/**
 * The `model_name` a container sees for a TargetModel. SageMaker treats it as opaque; TargetModel may hold `/`,
 * spaces and any printable character, so the name is a digest (32 hex characters): a valid URL path segment and
 * directory name, the same for the same TargetModel on every instance and after every reload.
 */
export function modelNameFor(targetModel: string): string {
  return createHash('sha256').update(targetModel).digest('hex').slice(0, 32);
}

/** A TargetModel could not be fetched from S3 or extracted (answered as `ValidationError`). */
export class TargetModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetModelError';
  }
}

/** A model did not finish loading within the wait window; its load goes on (answered as `ModelNotReadyException`). */
export class ModelNotReadyError extends Error {
  constructor(
    readonly targetModel: string,
    readonly waitedMs: number,
  ) {
    super(`Model ${targetModel} did not finish loading within ${waitedMs} ms`);
    this.name = 'ModelNotReadyError';
  }
}

/** Where a multi-model container's models come from and how they are cached. */
export interface ModelSource {
  /** `ModelDataUrl` of the container: the S3 prefix TargetModel is relative to. */
  readonly prefix: string;
  readonly hostname: string;
  readonly cacheSetting: ModelCacheSetting;
  /** The model's execution role, which downloads each TargetModel. */
  readonly readAs?: string;
}

interface Entry {
  readonly targetModel: string;
  readonly name: string;
  /** The local copy, `<root>/<name>/model` (SageMaker: `/opt/ml/models/<name>/model`). */
  readonly dir: string;
  /** `waiting` for room under the capacity, `loading` (download + POST /models), `loaded`. */
  state: 'waiting' | 'loading' | 'loaded';
  /** Resolves once loaded (undefined) or with the container's failed answer; rejects when the data cannot be had. */
  ready: Promise<ContainerResponse | undefined>;
  /** Invocations waiting for or running on this model: it is never unloaded under them. */
  inFlight: number;
  /** Recency for LRU unloading (a counter, not a clock, so there are no ties). */
  lastUsed: number;
}

const UNLOAD_TIMEOUT_MS = 60_000;

/**
 * The models one multi-model container has loaded: its instance's cache. Loads on demand (download
 * `<prefix><TargetModel>`, extract, `POST /models`), invokes through `POST /models/<name>/invoke` with the
 * TargetModel as `X-Amzn-SageMaker-Target-Model`, unloads (`DELETE /models/<name>`) the least recently used idle
 * model when the capacity is reached or the container answers 507, and after every invocation when caching is
 * `Disabled`. A replaced container gets a new, empty cache.
 */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  /** Model names whose unload is in flight: a new load of the same name waits for it. */
  private readonly unloading = new Map<string, Promise<void>>();
  /** TargetModels whose local copy was kept after an unload (caching Enabled): a reload skips the download. */
  private readonly onDisk = new Set<string>();
  private waiters: (() => void)[] = [];
  private tick = 0;
  private closed = false;

  constructor(
    private readonly container: ContainerProcess,
    private readonly source: ModelSource,
    /** Folder of this container's local model copies. */
    private readonly root: string,
    private readonly store: S3Store,
    private readonly options: MultiModelOptions,
  ) {}

  /**
   * Serves one invocation of `targetModel`, loading it first if needed. Throws ModelNotReadyError when the load
   * takes longer than the wait window (the load goes on), TargetModelError when the model data cannot be had, and
   * ContainerUnavailableError when the container cannot be reached; a failed load answers the container's response.
   */
  async invoke(targetModel: string, request: ContainerRequest, timeoutMs: number): Promise<ContainerResponse> {
    const entry = this.entries.get(targetModel) ?? this.startLoad(targetModel);
    entry.inFlight += 1;
    entry.lastUsed = ++this.tick;
    let served = false;
    try {
      const failure = await this.waitReady(entry);
      if (failure) return failure;
      served = true;
      const headers = { ...request.headers, 'x-amzn-sagemaker-target-model': targetModel };
      return await this.container.invokeModel(entry.name, { body: request.body, headers }, timeoutMs);
    } finally {
      entry.inFlight -= 1;
      entry.lastUsed = ++this.tick;
      if (served && this.source.cacheSetting === 'Disabled' && entry.inFlight === 0) void this.unload(entry);
      this.notify();
    }
  }

  /** Stops waiting loads and removes the local copies (the container was replaced or stopped). */
  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    await remove(this.root).catch(() => undefined);
  }

  private async waitReady(entry: Entry): Promise<ContainerResponse | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const notReady = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ModelNotReadyError(entry.targetModel, this.options.loadWaitMs)),
        this.options.loadWaitMs,
      );
    });
    try {
      return await Promise.race([entry.ready, notReady]);
    } finally {
      clearTimeout(timer);
    }
  }

  private startLoad(targetModel: string): Entry {
    const name = modelNameFor(targetModel);
    const entry: Entry = {
      targetModel,
      name,
      dir: join(this.root, name, 'model'),
      state: 'waiting',
      ready: Promise.resolve(undefined),
      inFlight: 0,
      lastUsed: ++this.tick,
    };
    this.entries.set(targetModel, entry);
    entry.ready = this.load(entry);
    // A failed load is forgotten, so the next invocation tries again (as SageMaker does).
    entry.ready.then(
      (failure) => {
        if (failure) this.forget(entry);
        this.notify();
      },
      () => {
        this.forget(entry);
        this.notify();
      },
    );
    return entry;
  }

  private async load(entry: Entry): Promise<ContainerResponse | undefined> {
    const deadline = Date.now() + this.options.loadTimeoutMs;
    await this.reserveSlot(entry, deadline);
    await this.unloading.get(entry.name);
    if (!this.onDisk.has(entry.targetModel)) await this.download(entry);
    for (;;) {
      const response = await this.container.loadModel(entry.name, entry.dir, Math.max(1, deadline - Date.now()));
      // 409: the container has it already (e.g. a load the emulator gave up on finished after all).
      if (response.status === 200 || response.status === 409) {
        entry.state = 'loaded';
        if (this.source.cacheSetting === 'Enabled') this.onDisk.add(entry.targetModel);
        return undefined;
      }
      // 507: the container is out of memory: unload the least recently used model and try again.
      if (response.status === 507 && (await this.freeOne(entry, deadline))) continue;
      if (this.source.cacheSetting === 'Disabled') await remove(dirname(entry.dir)).catch(() => undefined);
      return response;
    }
  }

  /** Downloads and extracts `<prefix><TargetModel>` into the entry's directory. */
  private async download(entry: Entry): Promise<void> {
    await downloadTargetModel(this.store, this.source, entry.targetModel, entry.dir);
  }

  /** Waits until fewer than `capacity` other models are loaded or loading, unloading the least recently used idle ones. */
  private async reserveSlot(entry: Entry, deadline: number): Promise<void> {
    for (;;) {
      if (this.closed) throw new Error('the container was replaced while the model was waiting to load');
      // A model being unloaded holds its slot until the container has answered the DELETE: a load sent earlier would
      // find the container still full (507).
      const occupied =
        [...this.entries.values()].filter((e) => e !== entry && e.state !== 'waiting').length + this.unloading.size;
      if (occupied < this.options.capacity) {
        // Taken in the same tick as the check, so two waiters woken together cannot both take the last slot.
        entry.state = 'loading';
        return;
      }
      const victim = this.leastRecentlyUsedIdle(entry);
      if (victim) await this.unload(victim);
      else await this.changed(deadline);
    }
  }

  /** After a 507: unloads one idle model (waiting for one to become idle); false when no other model is loaded. */
  private async freeOne(entry: Entry, deadline: number): Promise<boolean> {
    for (;;) {
      if (this.closed) return false;
      const victim = this.leastRecentlyUsedIdle(entry);
      if (victim) {
        await this.unload(victim);
        return true;
      }
      const others = [...this.entries.values()].some((e) => e !== entry && e.state !== 'waiting');
      if (!others || Date.now() >= deadline) return false;
      await this.changed(deadline);
    }
  }

  private leastRecentlyUsedIdle(except: Entry): Entry | undefined {
    let victim: Entry | undefined;
    for (const e of this.entries.values()) {
      if (e === except || e.state !== 'loaded' || e.inFlight > 0) continue;
      if (!victim || e.lastUsed < victim.lastUsed) victim = e;
    }
    return victim;
  }

  /** `DELETE /models/<name>`; with caching Disabled the local copy goes too. */
  private unload(entry: Entry): Promise<void> {
    this.forget(entry);
    const deleteCopy = this.source.cacheSetting === 'Disabled';
    const done = (async () => {
      await this.container.unloadModel(entry.name, UNLOAD_TIMEOUT_MS).catch(() => undefined);
      if (deleteCopy) {
        this.onDisk.delete(entry.targetModel);
        await remove(dirname(entry.dir)).catch(() => undefined);
      }
    })();
    this.unloading.set(entry.name, done);
    return done.finally(() => {
      if (this.unloading.get(entry.name) === done) this.unloading.delete(entry.name);
      this.notify();
    });
  }

  private forget(entry: Entry): void {
    if (this.entries.get(entry.targetModel) === entry) this.entries.delete(entry.targetModel);
  }

  /** Resolves at the next change of the cache (a load or invocation finished, a model was unloaded) or at `deadline`. */
  private changed(deadline: number): Promise<void> {
    if (Date.now() >= deadline) {
      return Promise.reject(new Error('no room to load the model before the load timeout'));
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/**
 * Downloads `<prefix><TargetModel>` (a .tar.gz) into `dir`, as a multi-model container's instance does before it
 * loads the model; throws TargetModelError (SageMaker's ValidationError) when the data cannot be had.
 */
export async function downloadTargetModel(
  store: S3Store,
  source: Pick<ModelSource, 'prefix' | 'hostname' | 'readAs'>,
  targetModel: string,
  dir: string,
): Promise<void> {
  const { prefix } = source;
  const uri = `${prefix}${prefix.endsWith('/') ? '' : '/'}${targetModel}`;
  await remove(dirname(dir));
  try {
    await prepareModelDir(
      store,
      { s3Uri: uri, dataType: 'S3Object', compression: 'Gzip', ...(source.readAs ? { readAs: source.readAs } : {}) },
      dir,
      source.hostname,
    );
  } catch (err) {
    await remove(dirname(dir)).catch(() => undefined);
    const location = parseS3Uri(uri);
    if (!(err instanceof ModelDataError)) throw err;
    throw new TargetModelError(
      err.message.startsWith('Failed to download') && location
        ? `Failed to download model data(bucket: ${location.bucket}, key: ${location.key}). Please ensure that there is an object located at the URL and that the role passed to CreateModel has permissions to download the object.`
        : err.message,
    );
  }
}
