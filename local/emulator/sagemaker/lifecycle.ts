import { join } from 'node:path';
import { type Clock, eventTime } from '../clock.ts';
import { ACCOUNT_ID, type EmulatorEvent, type EventLog } from '../events.ts';
import type { ContainerRecords } from '../hosting/container-records.ts';
import {
  type DeploymentSpec,
  EndpointFleet,
  FleetStartError,
  type RoutingStrategy,
  type VariantDeploySpec,
} from '../hosting/fleet.ts';
import { type ImagesFile, imageDigest, imageRepository } from '../hosting/images.ts';
import { containerDeploySpecs, invocationModeOf } from '../hosting/model-containers.ts';
import type { MultiModelOptions } from '../hosting/multi-model.ts';
import type { FleetRouting } from '../hosting/routing.ts';
import type { Logger } from '../logger.ts';
import type { S3Store } from '../s3/store.ts';
import { requireModel } from '../store/lookups.ts';
import type { EndpointConfigRecord, EndpointRecord, SageMakerStore } from '../store/store.ts';

/** A deployment's running fleet, as the lifecycle drives it. */
export interface HostedFleet {
  /** Marks an invocation in flight; call the returned function when it completes. */
  acquire(): () => void;
  /** Resolves when no invocation is in flight (bounded by `timeoutMs`). */
  drain(timeoutMs: number): Promise<void>;
  /** Stops the fleet (its processes get `graceMs` between SIGTERM and SIGKILL). */
  stop(graceMs: number): Promise<void>;
}

/**
 * How a deployment's fleet comes up: real model processes for the emulator (ProcessFleets), a scripted one for the
 * in-process doubles. `start` throws FleetStartError with the FailureReason when the fleet does not come up.
 */
export interface FleetLauncher<F extends HostedFleet> {
  start(spec: DeploymentSpec, signal: AbortSignal): Promise<F>;
}

/** What the endpoint lifecycle needs from the rest of the emulator. */
interface LifecycleDeps<F extends HostedFleet> {
  store: SageMakerStore;
  events: EventLog;
  /** How fleets come up. */
  fleets: FleetLauncher<F>;
  random: () => number;
  logger: Logger;
  /** Startup window when the variant sets no ContainerStartupHealthCheckTimeoutInSeconds. */
  defaultStartupTimeoutSeconds: number;
  /** Grace period between SIGTERM and SIGKILL when stopping containers. */
  stopGraceMs: number;
}

/** Where and how the emulator runs real fleets: one process per container, under the state directory. */
interface ProcessFleetOptions {
  stateDir: string;
  s3: S3Store;
  images: ImagesFile;
  /** Model capacity per container and load windows of multi-model endpoints. */
  multiModel: MultiModelOptions;
  /** Where RANDOM routing draws from (the emulator's seeded source). */
  random: () => number;
  /** The records of the containers the emulator runs (state directory). */
  records: ContainerRecords;
}

/** The emulator's fleets: model processes that follow the container contract, started from the emulator's S3. */
export class ProcessFleets implements FleetLauncher<EndpointFleet> {
  constructor(private readonly options: ProcessFleetOptions) {}

  async start(spec: DeploymentSpec, signal: AbortSignal): Promise<EndpointFleet> {
    const { stateDir, s3, images, multiModel, random, records } = this.options;
    const fleet = new EndpointFleet(
      spec,
      {
        workRoot: join(stateDir, 'hosting', spec.region, spec.endpointName.toLowerCase()),
        logDir: join(stateDir, 'logs', spec.region, 'aws', 'sagemaker', 'Endpoints', spec.endpointName),
        records,
      },
      multiModel,
      random,
    );
    await fleet.start(s3, images, signal);
    return fleet;
  }
}

interface Hosted<F> {
  active?: F;
  canary?: { fleet: F; fraction: number };
  /**
   * A resumed InService endpoint whose fleet has not started yet: it starts on the endpoint's first use (an
   * invocation, an update), not when the emulator loads its state directory.
   */
  dormant?: { record: EndpointRecord; spec: DeploymentSpec };
  warming?: Promise<void>;
  abort?: AbortController;
}

const EVENT_STATUS: Record<string, string> = {
  OutOfService: 'OUT_OF_SERVICE',
  Creating: 'CREATING',
  Updating: 'UPDATING',
  SystemUpdating: 'SYSTEM_UPDATING',
  RollingBack: 'ROLLING_BACK',
  InService: 'IN_SERVICE',
  Deleting: 'DELETING',
  Failed: 'FAILED',
  UpdateRollbackFailed: 'UPDATE_ROLLBACK_FAILED',
};

function resolvedImage(image: string): string {
  return `${imageRepository(image)}@${imageDigest(image)}`;
}

function deployedImages(variant: VariantDeploySpec, resolutionTime: number): Record<string, unknown>[] {
  return variant.containers.map((c) => ({
    SpecifiedImage: c.image,
    ResolvedImage: resolvedImage(c.image),
    ResolutionTime: resolutionTime,
  }));
}

function variantSummary(variant: VariantDeploySpec, resolutionTime: number): Record<string, unknown> {
  const summary: Record<string, unknown> = {
    VariantName: variant.variantName,
    DeployedImages: deployedImages(variant, resolutionTime),
    CurrentWeight: variant.weight,
    DesiredWeight: variant.weight,
  };
  if (variant.routingStrategy) summary.RoutingConfig = { RoutingStrategy: variant.routingStrategy };
  if (variant.managedInstanceScaling) {
    summary.ManagedInstanceScaling = {
      Status: 'ENABLED',
      MinInstanceCount: variant.managedInstanceScaling.min,
      MaxInstanceCount: variant.managedInstanceScaling.max,
    };
  }
  if (variant.serverless) {
    summary.CurrentServerlessConfig = variant.serverless;
    summary.DesiredServerlessConfig = variant.serverless;
  } else {
    summary.CurrentInstanceCount = variant.instanceCount;
    summary.DesiredInstanceCount = variant.instanceCount;
  }
  return summary;
}

function pendingSummary(spec: DeploymentSpec, status: string, startTime: number, now: number): Record<string, unknown> {
  return {
    EndpointConfigName: spec.endpointConfigName,
    StartTime: startTime,
    ProductionVariants: spec.variants.map((v) => ({
      VariantName: v.variantName,
      DeployedImages: deployedImages(v, startTime),
      CurrentWeight: 0,
      DesiredWeight: v.weight,
      ...(v.serverless
        ? { DesiredServerlessConfig: v.serverless }
        : { CurrentInstanceCount: 0, DesiredInstanceCount: v.instanceCount, InstanceType: v.instanceType }),
      VariantStatus: [{ Status: status, StartTime: now }],
    })),
  };
}

function capacityFraction(size: unknown, spec: DeploymentSpec): number {
  const { Type, Value } = (size ?? {}) as { Type?: string; Value?: number };
  if (typeof Value !== 'number') return 1;
  if (Type === 'CAPACITY_PERCENT') return Math.min(1, Math.max(0, Value / 100));
  const total = spec.variants.reduce((sum, v) => sum + v.instanceCount, 0) || 1;
  return Math.min(1, Math.max(0, Value / total));
}

function routingOf(variant: Record<string, unknown>): { routingStrategy?: RoutingStrategy } {
  const strategy = (variant.RoutingConfig as { RoutingStrategy?: unknown } | undefined)?.RoutingStrategy;
  return strategy === 'LEAST_OUTSTANDING_REQUESTS' || strategy === 'RANDOM' ? { routingStrategy: strategy } : {};
}

/** A variant's ManagedInstanceScaling, when ENABLED: the bounds of its instance count. */
function managedScalingOf(variant: Record<string, unknown>): { managedInstanceScaling?: { min: number; max: number } } {
  const scaling = variant.ManagedInstanceScaling as
    | { Status?: string; MinInstanceCount?: number; MaxInstanceCount?: number }
    | undefined;
  if (scaling?.Status !== 'ENABLED') return {};
  const count = typeof variant.InitialInstanceCount === 'number' ? variant.InitialInstanceCount : 1;
  return {
    managedInstanceScaling: { min: scaling.MinInstanceCount ?? count, max: scaling.MaxInstanceCount ?? count },
  };
}

/**
 * Runs endpoints through their transitions: creation, blue/green updates with silent rollback, deletion, routing,
 * restart. The fleets come from `deps.fleets`: real processes in the emulator, scripted ones in the doubles.
 */
export class EndpointLifecycle<F extends HostedFleet = EndpointFleet> implements FleetRouting<F> {
  private readonly hosted = new Map<string, Hosted<F>>();
  private shuttingDown = false;
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly deps: LifecycleDeps<F>) {}

  /** The SageMaker resources' clock (the store's): timestamps, event times, bake and termination waits. */
  private get clock(): Clock {
    return this.deps.store.clock;
  }

  private nowSeconds(): number {
    return this.deps.store.nowSeconds();
  }

  private key(region: string, name: string): string {
    return `${region}/${name.toLowerCase()}`;
  }

  private hostedFor(region: string, name: string): Hosted<F> {
    const key = this.key(region, name);
    let hosted = this.hosted.get(key);
    if (!hosted) {
      hosted = {};
      this.hosted.set(key, hosted);
    }
    return hosted;
  }

  /** Snapshots config + models into a DeploymentSpec; throws SageMaker's error when a model is missing. */
  buildSpec(region: string, endpointName: string, config: EndpointConfigRecord): DeploymentSpec {
    const variants: VariantDeploySpec[] = config.ProductionVariants.map((variant) => {
      // A variant that names no model hosts inference components: instances without containers of their own.
      const modelName = String(variant.ModelName ?? '');
      const model = modelName === '' ? undefined : requireModel(this.deps.store, region, modelName);
      const serverless = variant.ServerlessConfig as Record<string, unknown> | undefined;
      return {
        variantName: String(variant.VariantName),
        modelName,
        weight: typeof variant.InitialVariantWeight === 'number' ? variant.InitialVariantWeight : 1,
        instanceCount: typeof variant.InitialInstanceCount === 'number' ? variant.InitialInstanceCount : 1,
        ...(typeof variant.InstanceType === 'string' ? { instanceType: variant.InstanceType } : {}),
        ...(serverless ? { serverless } : {}),
        ...routingOf(variant),
        ...managedScalingOf(variant),
        startupTimeoutSeconds:
          typeof variant.ContainerStartupHealthCheckTimeoutInSeconds === 'number'
            ? variant.ContainerStartupHealthCheckTimeoutInSeconds
            : this.deps.defaultStartupTimeoutSeconds,
        invocationMode: model ? invocationModeOf(model) : 'Single',
        containers: model ? containerDeploySpecs(model) : [],
      };
    });
    const asyncInference = config.AsyncInferenceConfig as Record<string, unknown> | undefined;
    const dataCapture = config.DataCaptureConfig as Record<string, unknown> | undefined;
    return {
      endpointName,
      endpointConfigName: config.EndpointConfigName,
      region,
      variants,
      ...(asyncInference ? { asyncInference } : {}),
      ...(dataCapture ? { dataCapture } : {}),
    };
  }

  private async save(record: EndpointRecord, emit: boolean, isNew = false): Promise<void> {
    if (this.shuttingDown) return;
    // A task that finishes after DeleteEndpoint (or a re-creation) must not bring the old record back.
    if (!isNew && this.deps.store.endpoints.get(record.smwf.region, record.EndpointName) !== record) return;
    record.LastModifiedTime = this.nowSeconds();
    // Queue the state change event in the same tick the new status became visible to DescribeEndpoint, so
    // a reader that saw the status and then reads the event log finds its event.
    const emitted = emit ? this.emitStateChange(record) : undefined;
    await this.deps.store.endpoints.put(record.EndpointName, record);
    await emitted;
  }

  private async emitStateChange(record: EndpointRecord): Promise<void> {
    const detail: Record<string, unknown> = {
      EndpointName: record.EndpointName,
      EndpointArn: record.EndpointArn,
      EndpointConfigName: record.EndpointConfigName,
      ProductionVariants: record.ProductionVariants ?? [],
      EndpointStatus: EVENT_STATUS[record.EndpointStatus] ?? record.EndpointStatus,
      CreationTime: Math.round(record.CreationTime * 1000),
      LastModifiedTime: Math.round(record.LastModifiedTime * 1000),
      Tags: Object.fromEntries((record.Tags ?? []).map((t) => [t.Key, t.Value])),
    };
    if (record.FailureReason) detail.FailureReason = record.FailureReason;
    const event: EmulatorEvent = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'SageMaker Endpoint State Change',
      source: 'aws.sagemaker',
      account: ACCOUNT_ID,
      time: eventTime(this.clock.now()),
      region: record.smwf.region,
      resources: [record.EndpointArn],
      detail,
      eventBusName: 'default',
    };
    await this.deps.events.append([event]);
  }

  private track(task: Promise<void>): void {
    const guarded = task.catch((err: unknown) => {
      this.deps.logger.error('endpoint task failed', { error: String(err) });
    });
    this.tasks.add(guarded);
    void guarded.finally(() => this.tasks.delete(guarded));
  }

  private startFleet(spec: DeploymentSpec, signal: AbortSignal): Promise<F> {
    return this.deps.fleets.start(spec, signal);
  }

  /** CreateEndpoint: the record is stored as Creating; hosting runs in the background. */
  async create(record: EndpointRecord): Promise<void> {
    await this.save(record, true, true);
    this.track(this.runCreate(record));
  }

  private async runCreate(record: EndpointRecord): Promise<void> {
    const spec = record.smwf.pending;
    if (!spec) return;
    const hosted = this.hostedFor(record.smwf.region, record.EndpointName);
    const abort = new AbortController();
    hosted.abort = abort;
    let fleet: F;
    try {
      fleet = await this.startFleet(spec, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) return;
      record.EndpointStatus = 'Failed';
      record.FailureReason = err instanceof FleetStartError ? err.reason : String(err);
      delete record.smwf.pending;
      await this.save(record, true);
      return;
    }
    if (abort.signal.aborted) {
      await fleet.stop(this.deps.stopGraceMs);
      return;
    }
    hosted.active = fleet;
    delete hosted.abort;
    record.EndpointStatus = 'InService';
    record.ProductionVariants = spec.variants.map((v) => variantSummary(v, this.nowSeconds()));
    record.smwf.active = spec;
    delete record.smwf.pending;
    delete record.FailureReason;
    await this.save(record, true);
  }

  /** UpdateEndpoint: blue/green. The old fleet keeps serving until the new one passes /ping; failure rolls back silently. */
  async update(record: EndpointRecord): Promise<void> {
    await this.save(record, true);
    this.track(this.runUpdate(record));
  }

  private async runUpdate(record: EndpointRecord): Promise<void> {
    const spec = record.smwf.pending;
    if (!spec) return;
    const hosted = this.hostedFor(record.smwf.region, record.EndpointName);
    // The old fleet serves while the new one starts, and takes the traffic back if it fails: it must be running.
    this.wake(hosted);
    if (hosted.warming) await hosted.warming;
    const abort = new AbortController();
    hosted.abort = abort;
    const startTime = (record.PendingDeploymentSummary?.StartTime as number | undefined) ?? this.nowSeconds();
    let fleet: F;
    try {
      fleet = await this.startFleet(spec, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) return;
      const reason = err instanceof FleetStartError ? err.reason : String(err);
      delete record.PendingDeploymentSummary;
      delete record.smwf.pending;
      delete record.smwf.pendingDeploymentConfig;
      record.FailureReason = reason;
      // SageMaker's silent rollback: the endpoint stays InService on the old config.
      record.EndpointStatus = hosted.active ? 'InService' : 'Failed';
      await this.save(record, true);
      return;
    }
    const deployment = record.smwf.pendingDeploymentConfig ?? {};
    const policy = (deployment.BlueGreenUpdatePolicy ?? {}) as Record<string, unknown>;
    const rolling = deployment.RollingUpdatePolicy as Record<string, unknown> | undefined;
    const routing = (policy.TrafficRoutingConfiguration ?? {}) as Record<string, unknown>;
    const seconds = (value: unknown) => (typeof value === 'number' ? value : 0);
    const waitMs = seconds(rolling ? rolling.WaitIntervalInSeconds : routing.WaitIntervalInSeconds) * 1000;
    // MaximumExecutionTimeoutInSeconds bounds the whole deployment, from UpdateEndpoint on.
    const limitSeconds = seconds(
      rolling ? rolling.MaximumExecutionTimeoutInSeconds : policy.MaximumExecutionTimeoutInSeconds,
    );
    const deadlineMs = limitSeconds > 0 ? startTime * 1000 + limitSeconds * 1000 : undefined;
    const old = hosted.active;
    let timedOut = false;
    /** Waits `ms` of the deployment, or until its deadline when that comes first (then the deployment has failed). */
    const bake = async (ms: number) => {
      const left = deadlineMs === undefined ? ms : Math.min(ms, Math.max(0, deadlineMs - this.clock.now()));
      await this.clock.sleep(left, abort.signal);
      if (deadlineMs !== undefined && this.clock.now() >= deadlineMs && left < ms) timedOut = true;
    };
    if (deadlineMs !== undefined && this.clock.now() >= deadlineMs) timedOut = true;
    // Canary and linear shift traffic to the new fleet step by step; a rolling deployment does so batch by batch
    // (MaximumBatchSize of the instances), each batch's share of the traffic moving to the new fleet.
    const stepSize = rolling
      ? rolling.MaximumBatchSize
      : routing.Type === 'CANARY'
        ? routing.CanarySize
        : routing.Type === 'LINEAR'
          ? routing.LinearStepSize
          : undefined;
    if (old && stepSize !== undefined && !timedOut) {
      const step = capacityFraction(stepSize, spec);
      let fraction = step;
      while (fraction < 1 && !abort.signal.aborted && !timedOut) {
        hosted.canary = { fleet, fraction };
        record.PendingDeploymentSummary = pendingSummary(spec, 'Baking', startTime, this.nowSeconds());
        await this.save(record, false);
        await bake(waitMs);
        fraction = routing.Type === 'CANARY' && !rolling ? 1 : fraction + step;
      }
    }
    /**
     * The deployment ran out of time: every batch's traffic goes back to the old fleet (RollbackMaximumBatchSize paces
     * that on AWS; the old fleet here is still running whole, so all of it returns at once), the new fleet stops, and
     * the endpoint serves the old config again, InService with a FailureReason (as SageMaker's silent rollback).
     */
    const rollBack = async () => {
      if (old) hosted.active = old;
      if (hosted.canary?.fleet === fleet) delete hosted.canary;
      await fleet.drain(60_000);
      await fleet.stop(this.deps.stopGraceMs);
      delete hosted.abort;
      delete record.PendingDeploymentSummary;
      delete record.smwf.pending;
      delete record.smwf.pendingDeploymentConfig;
      record.FailureReason = `The deployment did not finish within MaximumExecutionTimeoutInSeconds (${limitSeconds} seconds); it was rolled back.`;
      record.EndpointStatus = 'InService';
      await this.save(record, true);
    };
    if (abort.signal.aborted) {
      if (hosted.canary?.fleet === fleet) delete hosted.canary;
      await fleet.drain(60_000);
      await fleet.stop(this.deps.stopGraceMs);
      return;
    }
    if (timedOut) {
      await rollBack();
      return;
    }
    hosted.active = fleet;
    delete hosted.canary;
    if (old && !rolling && routing.Type === 'ALL_AT_ONCE' && waitMs > 0) {
      record.PendingDeploymentSummary = pendingSummary(spec, 'Baking', startTime, this.nowSeconds());
      await this.save(record, false);
      await bake(waitMs);
      if (timedOut && !abort.signal.aborted) {
        await rollBack();
        return;
      }
    }
    const terminationWait = rolling ? 0 : seconds(policy.TerminationWaitInSeconds);
    if (old) {
      await this.clock.sleep(terminationWait * 1000, abort.signal);
      // Let requests already routed to the old fleet finish before stopping it: no invocation is dropped.
      await old.drain(65_000);
      await old.stop(this.deps.stopGraceMs);
    }
    delete hosted.abort;
    record.EndpointStatus = 'InService';
    record.EndpointConfigName = spec.endpointConfigName;
    if (spec.asyncInference) record.AsyncInferenceConfig = spec.asyncInference;
    record.ProductionVariants = spec.variants.map((v) => variantSummary(v, this.nowSeconds()));
    record.smwf.active = spec;
    delete record.smwf.pending;
    delete record.smwf.pendingDeploymentConfig;
    delete record.PendingDeploymentSummary;
    delete record.FailureReason;
    await this.save(record, true);
  }

  /** Builds the PendingDeploymentSummary shown while an update is in progress. */
  pendingSummary(spec: DeploymentSpec): Record<string, unknown> {
    const now = this.nowSeconds();
    return pendingSummary(spec, 'Creating', now, now);
  }

  /** DeleteEndpoint: status Deleting, stop every process, then the endpoint disappears. */
  async delete(record: EndpointRecord): Promise<void> {
    record.EndpointStatus = 'Deleting';
    await this.save(record, true);
    this.track(this.runDelete(record));
  }

  private async runDelete(record: EndpointRecord): Promise<void> {
    const key = this.key(record.smwf.region, record.EndpointName);
    const hosted = this.hosted.get(key);
    if (hosted) {
      hosted.abort?.abort();
      this.hosted.delete(key);
      await Promise.all([hosted.active?.stop(this.deps.stopGraceMs), hosted.canary?.fleet.stop(this.deps.stopGraceMs)]);
    }
    if (this.shuttingDown) return;
    const current = this.deps.store.endpoints.get(record.smwf.region, record.EndpointName);
    if (current === record) await this.deps.store.endpoints.delete(record.smwf.region, record.EndpointName);
  }

  /**
   * Picks the fleet that serves the next invocation and marks the invocation in flight on it, in one step,
   * so a fleet being replaced is drained rather than stopped under the request. Call `release` when done.
   */
  async acquire(region: string, name: string): Promise<{ fleet: F; release: () => void } | undefined> {
    const hosted = this.hosted.get(this.key(region, name));
    if (!hosted) return undefined;
    this.wake(hosted);
    if (hosted.warming) await hosted.warming;
    const fleet = hosted.canary && this.deps.random() < hosted.canary.fraction ? hosted.canary.fleet : hosted.active;
    return fleet ? { fleet, release: fleet.acquire() } : undefined;
  }

  /** Every fleet now hosted (serving, or taking a canary share), for the CPU and memory metrics. */
  hostedFleets(): F[] {
    const fleets: F[] = [];
    for (const hosted of this.hosted.values()) {
      if (hosted.active) fleets.push(hosted.active);
      if (hosted.canary) fleets.push(hosted.canary.fleet);
    }
    return fleets;
  }

  /**
   * After a restart: host InService endpoints again and resume interrupted creations, updates and deletions. The
   * emulator starts each InService endpoint's fleet on its first use (`fleets: 'on first use'`: its model processes
   * cost CPU while a command that uses another endpoint runs); the scripted double starts them now (`'now'`): a
   * scripted fleet comes up after the script's provisioning time on the double's clock, which nothing advances while
   * an invocation waits for it.
   */
  resume(fleets: 'now' | 'on first use'): void {
    for (const record of this.deps.store.endpoints.all()) this.host(record, undefined, fleets);
  }

  /**
   * Takes over a stored endpoint whose fleet `running` already serves it (a state an in-process double forces), and
   * carries on with its creation, update or deletion as after a restart.
   */
  adopt(record: EndpointRecord, running: F | undefined): void {
    this.host(record, running, 'now');
  }

  /**
   * Hosts a stored endpoint: its serving fleet (`running`, else started afresh, now or on its first use) and the
   * transition it was in.
   */
  private host(record: EndpointRecord, running: F | undefined, fleets: 'now' | 'on first use'): void {
    if (record.EndpointStatus === 'Deleting') {
      if (running) this.hostedFor(record.smwf.region, record.EndpointName).active = running;
      this.track(this.runDelete(record));
      return;
    }
    if (record.EndpointStatus === 'Creating') {
      this.track(this.runCreate(record));
      return;
    }
    if (!record.smwf.active || record.EndpointStatus === 'Failed') return;
    const hosted = this.hostedFor(record.smwf.region, record.EndpointName);
    if (running) hosted.active = running;
    else {
      hosted.dormant = { record, spec: record.smwf.active };
      if (fleets === 'now') this.wake(hosted);
    }
    if (record.EndpointStatus === 'Updating' && record.smwf.pending) this.track(this.runUpdate(record));
  }

  /**
   * Starts a resumed endpoint's fleet, on its first use (invocations wait for it as for any fleet that is starting,
   * within the variant's startup window). A fleet that does not come up fails the endpoint, with its FailureReason.
   */
  private wake(hosted: Hosted<F>): void {
    const dormant = hosted.dormant;
    if (!dormant) return;
    delete hosted.dormant;
    const { record, spec } = dormant;
    const abort = new AbortController();
    hosted.abort = abort;
    hosted.warming = (async () => {
      try {
        hosted.active = await this.startFleet(spec, abort.signal);
      } catch (err) {
        if (abort.signal.aborted) return;
        record.EndpointStatus = 'Failed';
        record.FailureReason = err instanceof FleetStartError ? err.reason : String(err);
        await this.save(record, true);
      } finally {
        delete hosted.warming;
        if (hosted.abort === abort) delete hosted.abort;
      }
    })();
    this.track(hosted.warming);
  }

  /** Stops every model process without changing stored state (a restart resumes from it). */
  async stopAll(): Promise<void> {
    this.shuttingDown = true;
    const fleets: F[] = [];
    for (const hosted of this.hosted.values()) {
      hosted.abort?.abort();
      if (hosted.active) fleets.push(hosted.active);
      if (hosted.canary) fleets.push(hosted.canary.fleet);
    }
    await Promise.all(fleets.map((f) => f.stop(this.deps.stopGraceMs)));
    await Promise.all([...this.tasks]);
    // Fleets started by tasks that finished after the abort are stopped by the tasks themselves.
    for (const hosted of this.hosted.values()) {
      if (hosted.active) await hosted.active.stop(this.deps.stopGraceMs);
    }
    this.hosted.clear();
  }
}
