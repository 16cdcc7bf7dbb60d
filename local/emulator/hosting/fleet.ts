import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { remove } from '../fs-util.ts';
import type { S3Store } from '../s3/store.ts';
import { ModelDataError, prepareModelDir } from './artifacts.ts';
import { ContainerProcess, type ContainerRequest } from './container.ts';
import type { ContainerRecords } from './container-records.ts';
import { type ImagesFile, resolveImage } from './images.ts';
import type { ContainerDeploySpec, InvocationMode } from './model-containers.ts';
import { ModelCache, type MultiModelOptions } from './multi-model.ts';
import { type ChainStage, callStage, invokeChain, MAX_HOP_BYTES, type StageAnswer } from './pipeline.ts';

export type { ContainerDeploySpec } from './model-containers.ts';

/** One production variant, resolved from the endpoint config and its model. */
export interface VariantDeploySpec {
  variantName: string;
  modelName: string;
  weight: number;
  instanceCount: number;
  instanceType?: string;
  serverless?: Record<string, unknown>;
  startupTimeoutSeconds: number;
  /** `Serial` chains containers, `Direct` routes by TargetContainerHostname, `Single` has one container. */
  invocationMode: InvocationMode;
  containers: ContainerDeploySpec[];
}

/** Everything needed to host an endpoint config, independent of later changes to models or configs. */
export interface DeploymentSpec {
  endpointName: string;
  endpointConfigName: string;
  region: string;
  variants: VariantDeploySpec[];
  /** The config's AsyncInferenceConfig: the endpoint takes only InvokeEndpointAsync while this deployment serves. */
  asyncInference?: Record<string, unknown>;
  /** The endpoint config's DataCaptureConfig: what the runtime captures while this deployment serves. */
  dataCapture?: Record<string, unknown>;
}

/** A fleet failed to start; `reason` is the FailureReason SageMaker would show. */
export class FleetStartError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FleetStartError';
  }
}

/** Where a fleet keeps its files. */
export interface FleetPaths {
  /** Root for extracted model directories; each fleet uses `<workRoot>/<fleet id>`. */
  workRoot: string;
  /** Folder of the endpoint's log streams (`/aws/sagemaker/Endpoints/<name>`). */
  logDir: string;
  /** The emulator's records of its containers, with their private folders. */
  records: ContainerRecords;
}

/** The containers serving one variant. */
export class VariantFleet {
  /** Multi-model containers: each process's loaded models; a replacement process starts with none. */
  private readonly caches = new Map<ContainerProcess, ModelCache>();
  private cacheGeneration = 0;

  constructor(
    readonly spec: VariantDeploySpec,
    readonly containers: ContainerProcess[],
    private readonly store: S3Store,
    private readonly workDir: string,
    private readonly multiModelOptions: MultiModelOptions,
  ) {}

  /** True when the variant hosts a multi-model container (invocations need a TargetModel). */
  get multiModel(): boolean {
    return this.spec.containers[0]?.mode === 'MultiModel';
  }

  /** The model cache of the multi-model container process now serving (created on first use). */
  private modelCache(): ModelCache {
    const container = this.containers[0] as ContainerProcess;
    let cache = this.caches.get(container);
    if (!cache) {
      const spec = this.spec.containers[0] as ContainerDeploySpec;
      cache = new ModelCache(
        container,
        {
          prefix: spec.modelData?.s3Uri ?? '',
          hostname: spec.hostname,
          cacheSetting: spec.modelCacheSetting ?? 'Enabled',
        },
        join(this.workDir, spec.hostname, `models-${this.cacheGeneration++}`),
        this.store,
        this.multiModelOptions,
      );
      this.caches.set(container, cache);
    }
    return cache;
  }

  /** Puts a replacement process in place of a failed one; the failed one's loaded models and local copies are gone. */
  replaceContainer(index: number, replacement: ContainerProcess): void {
    const previous = this.containers[index];
    this.containers[index] = replacement;
    if (!previous) return;
    const cache = this.caches.get(previous);
    this.caches.delete(previous);
    void cache?.close();
  }

  /** Ends every model cache (the fleet is stopping): waiting loads give up, local copies go. */
  async closeModelCaches(): Promise<void> {
    const caches = [...this.caches.values()];
    this.caches.clear();
    await Promise.all(caches.map((c) => c.close()));
  }

  /** The containers now serving, as stages of a chain (each with its CreateModel Environment). */
  private stages(): ChainStage[] {
    return this.containers.map((container, index) => ({
      hostname: container.spec.hostname,
      environment: this.spec.containers[index]?.environment ?? {},
      invoke: (request, timeoutMs) => container.invoke(request, timeoutMs),
    }));
  }

  /**
   * Runs an invocation through the variant: the multi-model container, the targeted container (Direct), the serial
   * chain (with AWS's 5 MB cap between containers), or the single container. Throws ContainerCallError naming the
   * container that could not be reached, HopPayloadTooLargeError for an oversized hop.
   */
  async invoke(
    request: ContainerRequest,
    timeoutMs: number,
    targetHostname: string | undefined,
    targetModel?: string,
  ): Promise<StageAnswer> {
    if (this.multiModel && targetModel !== undefined) {
      const hostname = (this.spec.containers[0] as ContainerDeploySpec).hostname;
      const cache = this.modelCache();
      return callStage(
        { hostname, environment: {}, invoke: (req, ms) => cache.invoke(targetModel, req, ms) },
        request,
        timeoutMs,
      );
    }
    const stages = this.stages();
    if (this.spec.invocationMode === 'Direct') {
      const target = stages.find((s) => s.hostname === targetHostname);
      if (!target) throw new Error(`unknown container ${targetHostname}`);
      return callStage(target, request, timeoutMs);
    }
    return invokeChain(stages, request, timeoutMs, MAX_HOP_BYTES);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The processes hosting one endpoint config: one VariantFleet per production variant. */
export class EndpointFleet {
  readonly id = randomUUID().slice(0, 8);
  readonly variants: VariantFleet[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  /** Containers being restarted after an unexpected exit, not yet serving. */
  private readonly replacements = new Set<ContainerProcess>();
  private readonly supervision = new AbortController();

  private readonly workDir: string;

  constructor(
    readonly spec: DeploymentSpec,
    private readonly paths: FleetPaths,
    private readonly multiModelOptions: MultiModelOptions,
  ) {
    this.workDir = join(paths.workRoot, this.id);
  }

  /**
   * Downloads model data, starts every container and waits for /ping on each, within each variant's startup window.
   * Throws FleetStartError (after stopping what it started) with a SageMaker-like FailureReason.
   */
  async start(store: S3Store, images: ImagesFile, signal: AbortSignal): Promise<void> {
    // allSettled: every variant must have finished spawning before a failure stops the whole fleet.
    const results = await Promise.allSettled(
      this.spec.variants.map((variant) => this.startVariant(variant, store, images, signal)),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await this.stop(1000);
      const err = failure.reason as Error;
      if (err instanceof FleetStartError) throw err;
      throw new FleetStartError(`Internal error while hosting the model: ${err.message}`);
    }
  }

  private async startVariant(
    variant: VariantDeploySpec,
    store: S3Store,
    images: ImagesFile,
    signal: AbortSignal,
  ): Promise<void> {
    const processes: ContainerProcess[] = [];
    const fleet = new VariantFleet(
      variant,
      processes,
      store,
      join(this.workDir, variant.variantName),
      this.multiModelOptions,
    );
    this.variants.push(fleet);
    const containerLabel = (hostname: string) =>
      hostname === 'primary' ? 'The primary container' : `The container "${hostname}"`;
    for (const container of variant.containers) {
      const mapping = resolveImage(container.image, images);
      if (!mapping) {
        throw new FleetStartError(
          `The image '${container.image}' for production variant ${variant.variantName} is not mapped to a local command. Add it to the emulator's images file, or use an image whose repository ends in smwf-examples/<name>.`,
        );
      }
      if (mapping.isolation && container.mode === 'MultiModel') {
        throw new FleetStartError(
          `${containerLabel(container.hostname)} for production variant ${variant.variantName} could not be started: the emulator's isolation mode does not support multi-model containers (Mode MultiModel) yet. Remove "isolation" from the image's entry in the images file.`,
        );
      }
      const modelDir = join(this.workDir, variant.variantName, container.hostname, 'model');
      try {
        // Multi-model containers load their models on demand, per TargetModel.
        const data = container.mode === 'MultiModel' ? undefined : container.modelData;
        await prepareModelDir(store, data, modelDir, container.hostname);
      } catch (err) {
        if (err instanceof ModelDataError) throw new FleetStartError(err.message);
        throw err;
      }
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      processes.push(
        new ContainerProcess({
          hostname: container.hostname,
          image: container.image,
          mapping,
          modelDir,
          environment:
            container.mode === 'MultiModel'
              ? { SAGEMAKER_MULTI_MODEL: 'true', ...container.environment }
              : container.environment,
          logFile: join(this.paths.logDir, `${variant.variantName}-${container.hostname}-${this.id}-${stamp}.log`),
          records: this.paths.records,
        }),
      );
    }
    for (const container of processes) await container.start();
    const timeoutMs = variant.startupTimeoutSeconds * 1000;
    const results = await Promise.all(processes.map((p) => p.waitHealthy(timeoutMs, signal)));
    // Like SageMaker for inference pipelines (DG inference-pipeline-troubleshoot), every container that failed its
    // ping check is named, not only the first.
    const failed = processes.flatMap((container, i) => {
      const reason = results[i];
      return reason === undefined ? [] : [{ container, reason }];
    });
    if (failed.length > 0) {
      const sentences = failed.map(
        ({ container, reason }) =>
          `${containerLabel(container.spec.hostname)} for production variant ${variant.variantName} ${reason}.`,
      );
      const base = `${sentences.join(' ')} Please check CloudWatch logs for this endpoint.`;
      if (failed.length === 1) {
        const tail = await (failed[0] as { container: ContainerProcess }).container.tail();
        throw new FleetStartError(tail ? `${base} Last log lines: ${tail}` : base);
      }
      const tails = await Promise.all(
        failed.map(async ({ container }) => {
          const tail = (await container.tail(3)).slice(-300);
          return tail ? ` Last log lines of "${container.spec.hostname}": ${tail}` : '';
        }),
      );
      throw new FleetStartError(`${base}${tails.join('')}`);
    }
    processes.forEach((container, index) => {
      this.superviseContainer(fleet, index, container);
    });
  }

  /**
   * Like SageMaker replacing an unhealthy instance: a container that exits while the fleet serves is started
   * again (same model directory, new log stream) and takes its place once it passes /ping.
   */
  private superviseContainer(fleet: VariantFleet, index: number, container: ContainerProcess): void {
    void container.whenExited().then(async () => {
      if (this.stopped) return;
      await sleep(500);
      if (this.stopped) return;
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const replacement = new ContainerProcess({
        ...container.spec,
        logFile: `${container.spec.logFile.replace(/\.log$/, '')}-restart-${stamp}.log`,
      });
      this.replacements.add(replacement);
      await replacement.start();
      const problem = await replacement.waitHealthy(fleet.spec.startupTimeoutSeconds * 1000, this.supervision.signal);
      this.replacements.delete(replacement);
      if (this.stopped || problem !== undefined) {
        // An unhealthy replacement is stopped; its exit triggers the next attempt (unless the fleet stopped).
        await replacement.stop(1000);
      } else fleet.replaceContainer(index, replacement);
      if (!this.stopped) this.superviseContainer(fleet, index, replacement);
    });
  }

  /** Picks the variant to serve an invocation (TargetVariant, else by weight). */
  pickVariant(targetVariant: string | undefined, random: () => number): VariantFleet | undefined {
    if (targetVariant !== undefined) return this.variants.find((v) => v.spec.variantName === targetVariant);
    const total = this.variants.reduce((sum, v) => sum + v.spec.weight, 0);
    if (total <= 0) return this.variants[0];
    let roll = random() * total;
    for (const variant of this.variants) {
      roll -= variant.spec.weight;
      if (roll < 0) return variant;
    }
    return this.variants.at(-1);
  }

  /** Marks an invocation in flight; call the returned function when it completes. */
  acquire(): () => void {
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }

  /** Resolves when no invocation is in flight (bounded by `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await Promise.race([new Promise<void>((resolve) => this.idleWaiters.push(resolve)), sleep(timeoutMs)]);
  }

  /** Stops every container (SIGTERM, SIGKILL after `graceMs`) and removes the model directories. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.supervision.abort();
    await Promise.all([
      ...this.variants.flatMap((v) => v.containers.map((c) => c.stop(graceMs))),
      ...[...this.replacements].map((c) => c.stop(graceMs)),
    ]);
    await Promise.all(this.variants.map((v) => v.closeModelCaches()));
    await remove(this.workDir).catch(() => undefined);
  }
}
