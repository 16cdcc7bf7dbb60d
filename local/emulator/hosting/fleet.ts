import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { remove } from '../fs-util.ts';
import type { S3Store } from '../s3/store.ts';
import { ModelDataError, prepareModelDir } from './artifacts.ts';
import { ContainerProcess, type ContainerRequest } from './container.ts';
import type { ContainerRecords } from './container-records.ts';
import { type ImageMapping, type ImagesFile, resolveImage } from './images.ts';
import type { ContainerDeploySpec, InvocationMode } from './model-containers.ts';
import { ModelCache, type MultiModelOptions } from './multi-model.ts';
import { type ChainStage, callStage, invokeChain, MAX_HOP_BYTES, type StageAnswer } from './pipeline.ts';

export type { ContainerDeploySpec } from './model-containers.ts';

/** One production variant, resolved from the endpoint config and its model. */
export interface VariantDeploySpec {
  variantName: string;
  /** The model the variant serves; empty for a variant of inference components (its config names no model). */
  modelName: string;
  weight: number;
  instanceCount: number;
  instanceType?: string;
  serverless?: Record<string, unknown>;
  startupTimeoutSeconds: number;
  /**
   * RoutingConfig.RoutingStrategy: how invocations are spread over the instances (over a component's copies on an
   * endpoint of inference components). @default DEFAULT_ROUTING_STRATEGY
   */
  routingStrategy?: RoutingStrategy;
  /** ManagedInstanceScaling when ENABLED (inference component endpoints): the instance count's bounds. */
  managedInstanceScaling?: { min: number; max: number };
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
interface FleetPaths {
  /** Root for extracted model directories; each fleet uses `<workRoot>/<fleet id>`. */
  workRoot: string;
  /** Folder of the endpoint's log streams (`/aws/sagemaker/Endpoints/<name>`). */
  logDir: string;
  /** The emulator's records of its containers, with their private folders. */
  records: ContainerRecords;
}

/** How a variant spreads invocations over its instances (ProductionVariantRoutingConfig.RoutingStrategy). */
export type RoutingStrategy = 'LEAST_OUTSTANDING_REQUESTS' | 'RANDOM';

/**
 * The strategy when the config sets no RoutingConfig: random, as SageMaker endpoints route by default (AWS Machine
 * Learning Blog, "Minimize real-time inference latency by using Amazon SageMaker routing strategies", 2023; the API
 * reference names no default).
 */
export const DEFAULT_ROUTING_STRATEGY: RoutingStrategy = 'RANDOM';

/** One instance of a variant: a process per container of the model, and its invocations in flight. */
class VariantInstance {
  /** Invocations routed to this instance and not answered yet. */
  outstanding = 0;
  /** Multi-model containers: each process's loaded models; a replacement process starts with none. */
  readonly caches = new Map<ContainerProcess, ModelCache>();

  constructor(
    /** 1-based, as instances are numbered in log stream names. */
    readonly number: number,
    readonly containers: ContainerProcess[],
  ) {}

  /** The main process ids of the instance's containers (CloudWatch's CPU and memory figures read their trees). */
  rootPids(): number[] {
    const pids: number[] = [];
    for (const container of this.containers) {
      const pid = container.pid;
      if (pid !== undefined) pids.push(pid);
    }
    return pids;
  }
}

/** The instances serving one variant. */
export class VariantFleet {
  private cacheGeneration = 0;
  private readonly routing: RoutingStrategy;

  constructor(
    readonly spec: VariantDeploySpec,
    readonly instances: VariantInstance[],
    private readonly store: S3Store,
    private readonly workDir: string,
    private readonly multiModelOptions: MultiModelOptions,
    private readonly random: () => number,
  ) {
    this.routing = spec.routingStrategy ?? DEFAULT_ROUTING_STRATEGY;
  }

  /** True when the variant hosts a multi-model container (invocations need a TargetModel). */
  get multiModel(): boolean {
    return this.spec.containers[0]?.mode === 'MultiModel';
  }

  /** The container hostnames of the variant's model, in order. */
  get hostnames(): string[] {
    return this.spec.containers.map((c) => c.hostname);
  }

  /** How many instances serve the variant. */
  get instanceCount(): number {
    return this.instances.length;
  }

  /** The model cache of the multi-model container process now serving on `instance` (created on first use). */
  private modelCache(instance: VariantInstance): ModelCache {
    const container = instance.containers[0] as ContainerProcess;
    let cache = instance.caches.get(container);
    if (!cache) {
      const spec = this.spec.containers[0] as ContainerDeploySpec;
      cache = new ModelCache(
        container,
        {
          prefix: spec.modelData?.s3Uri ?? '',
          hostname: spec.hostname,
          cacheSetting: spec.modelCacheSetting ?? 'Enabled',
          ...(spec.executionRoleArn ? { readAs: spec.executionRoleArn } : {}),
        },
        join(this.workDir, `instance-${instance.number}`, spec.hostname, `models-${this.cacheGeneration++}`),
        this.store,
        this.multiModelOptions,
      );
      instance.caches.set(container, cache);
    }
    return cache;
  }

  /** Puts a replacement process in place of a failed one; the failed one's loaded models and local copies are gone. */
  replaceContainer(instance: VariantInstance, index: number, replacement: ContainerProcess): void {
    const previous = instance.containers[index];
    instance.containers[index] = replacement;
    if (!previous) return;
    const cache = instance.caches.get(previous);
    instance.caches.delete(previous);
    void cache?.close();
  }

  /** Ends every model cache (the fleet is stopping): waiting loads give up, local copies go. */
  async closeModelCaches(): Promise<void> {
    const caches = this.instances.flatMap((instance) => {
      const all = [...instance.caches.values()];
      instance.caches.clear();
      return all;
    });
    await Promise.all(caches.map((c) => c.close()));
  }

  /**
   * The instance that takes the next invocation: the one with the fewest outstanding requests (ties: the first), or
   * one at random.
   */
  pickInstance(): VariantInstance {
    const instances = this.instances;
    if (instances.length === 1) return instances[0] as VariantInstance;
    if (this.routing === 'RANDOM') {
      return instances[Math.min(instances.length - 1, Math.floor(this.random() * instances.length))] as VariantInstance;
    }
    let best = instances[0] as VariantInstance;
    for (const instance of instances) if (instance.outstanding < best.outstanding) best = instance;
    return best;
  }

  /** The containers of an instance, as stages of a chain (each with its CreateModel Environment). */
  private stages(instance: VariantInstance): ChainStage[] {
    return instance.containers.map((container, index) => ({
      hostname: container.spec.hostname,
      environment: this.spec.containers[index]?.environment ?? {},
      invoke: (request, timeoutMs) => container.invoke(request, timeoutMs),
    }));
  }

  /**
   * Runs an invocation on one instance of the variant (chosen by its routing strategy): the multi-model container,
   * the targeted container (Direct), the serial chain (with AWS's 5 MB cap between containers), or the single
   * container. Throws ContainerCallError naming the container that could not be reached, HopPayloadTooLargeError
   * for an oversized hop.
   */
  async invoke(
    request: ContainerRequest,
    timeoutMs: number,
    targetHostname: string | undefined,
    targetModel?: string,
  ): Promise<StageAnswer> {
    const instance = this.pickInstance();
    instance.outstanding += 1;
    try {
      if (this.multiModel && targetModel !== undefined) {
        const hostname = (this.spec.containers[0] as ContainerDeploySpec).hostname;
        const cache = this.modelCache(instance);
        return await callStage(
          { hostname, environment: {}, invoke: (req, ms) => cache.invoke(targetModel, req, ms) },
          request,
          timeoutMs,
        );
      }
      if (this.spec.invocationMode === 'Direct') {
        const index = instance.containers.findIndex((c) => c.spec.hostname === targetHostname);
        const container = instance.containers[index];
        if (!container) throw new Error(`unknown container ${targetHostname}`);
        return await callStage(
          {
            hostname: container.spec.hostname,
            environment: this.spec.containers[index]?.environment ?? {},
            invoke: (req, ms) => container.invoke(req, ms),
          },
          request,
          timeoutMs,
        );
      }
      if (instance.containers.length === 1) {
        const container = instance.containers[0] as ContainerProcess;
        return await callStage(
          { hostname: container.spec.hostname, environment: {}, invoke: (req, ms) => container.invoke(req, ms) },
          request,
          timeoutMs,
        );
      }
      return await invokeChain(this.stages(instance), request, timeoutMs, MAX_HOP_BYTES);
    } finally {
      instance.outstanding -= 1;
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How SageMaker's messages name a container: the primary container, or by its hostname. */
function containerLabel(hostname: string): string {
  return hostname === 'primary' ? 'The primary container' : `The container "${hostname}"`;
}

/**
 * SageMaker's FailureReason for a variant whose containers did not come up: one sentence per container (e.g. `The
 * primary container for production variant AllTraffic did not pass the ping health check.`), then where to look.
 */
export function startFailureReason(
  variantName: string,
  failed: readonly { hostname: string; reason: string }[],
): string {
  const sentences = failed.map(
    ({ hostname, reason }) => `${containerLabel(hostname)} for production variant ${variantName} ${reason}.`,
  );
  return `${sentences.join(' ')} Please check CloudWatch logs for this endpoint.`;
}

/** The variant that serves an invocation: the one TargetVariant names, else one drawn by weight. */
export function pickVariant<V extends { spec: { variantName: string; weight: number } }>(
  variants: readonly V[],
  targetVariant: string | undefined,
  random: () => number,
): V | undefined {
  if (targetVariant !== undefined) return variants.find((v) => v.spec.variantName === targetVariant);
  const total = variants.reduce((sum, v) => sum + v.spec.weight, 0);
  if (total <= 0) return variants[0];
  let roll = random() * total;
  for (const variant of variants) {
    roll -= variant.spec.weight;
    if (roll < 0) return variant;
  }
  return variants.at(-1);
}

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
    /** The emulator's seeded random source (RANDOM routing over instances). */
    private readonly random: () => number = Math.random,
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
    const instances: VariantInstance[] = [];
    const fleet = new VariantFleet(
      variant,
      instances,
      store,
      join(this.workDir, variant.variantName),
      this.multiModelOptions,
      this.random,
    );
    this.variants.push(fleet);
    // A serverless variant has no instances to count: it runs as one.
    const instanceCount = variant.serverless ? 1 : Math.max(1, variant.instanceCount);
    const prepared: { container: ContainerDeploySpec; mapping: ImageMapping; modelDir: string }[] = [];
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
      // One extracted model per container, shared by the variant's instances (the emulator's choice: SageMaker
      // downloads it on every instance; the containers only read it).
      const modelDir = join(this.workDir, variant.variantName, container.hostname, 'model');
      try {
        // Multi-model containers load their models on demand, per TargetModel.
        const data = container.mode === 'MultiModel' ? undefined : container.modelData;
        await prepareModelDir(store, data, modelDir, container.hostname);
      } catch (err) {
        if (err instanceof ModelDataError) throw new FleetStartError(err.message);
        throw err;
      }
      prepared.push({ container, mapping, modelDir });
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (let number = 1; number <= instanceCount; number++) {
      instances.push(
        new VariantInstance(
          number,
          prepared.map(
            ({ container, mapping, modelDir }) =>
              new ContainerProcess({
                hostname: container.hostname,
                image: container.image,
                mapping,
                modelDir,
                environment:
                  container.mode === 'MultiModel'
                    ? { SAGEMAKER_MULTI_MODEL: 'true', ...container.environment }
                    : container.environment,
                logFile: join(
                  this.paths.logDir,
                  `${variant.variantName}-${container.hostname}-${this.id}-${number}-${stamp}.log`,
                ),
                records: this.paths.records,
              }),
          ),
        ),
      );
    }
    const processes = instances.flatMap((instance) => instance.containers);
    for (const container of processes) await container.start();
    const timeoutMs = variant.startupTimeoutSeconds * 1000;
    const results = await Promise.all(processes.map((p) => p.waitHealthy(timeoutMs, signal)));
    // Like SageMaker for inference pipelines (DG inference-pipeline-troubleshoot), every container that failed its
    // ping check is named, not only the first; a container that failed on several instances is named once.
    const failed: { container: ContainerProcess; reason: string }[] = [];
    processes.forEach((container, i) => {
      const reason = results[i];
      if (reason === undefined) return;
      if (failed.some((f) => f.container.spec.hostname === container.spec.hostname)) return;
      failed.push({ container, reason });
    });
    if (failed.length > 0) {
      const base = startFailureReason(
        variant.variantName,
        failed.map(({ container, reason }) => ({ hostname: container.spec.hostname, reason })),
      );
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
    for (const instance of instances) {
      instance.containers.forEach((container, index) => {
        this.superviseContainer(fleet, instance, index, container);
      });
    }
  }

  /**
   * Like SageMaker replacing an unhealthy instance: a container that exits while the fleet serves is started
   * again (same model directory, new log stream) and takes its place once it passes /ping.
   */
  private superviseContainer(
    fleet: VariantFleet,
    instance: VariantInstance,
    index: number,
    container: ContainerProcess,
  ): void {
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
      } else fleet.replaceContainer(instance, index, replacement);
      if (!this.stopped) this.superviseContainer(fleet, instance, index, replacement);
    });
  }

  /** Picks the variant to serve an invocation (TargetVariant, else by weight). */
  pickVariant(targetVariant: string | undefined, random: () => number): VariantFleet | undefined {
    return pickVariant(this.variants, targetVariant, random);
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
      ...this.variants.flatMap((v) => v.instances.flatMap((i) => i.containers.map((c) => c.stop(graceMs)))),
      ...[...this.replacements].map((c) => c.stop(graceMs)),
    ]);
    await Promise.all(this.variants.map((v) => v.closeModelCaches()));
    await remove(this.workDir).catch(() => undefined);
  }
}
