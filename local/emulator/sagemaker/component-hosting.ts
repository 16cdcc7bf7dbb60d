/**
 * Inference components hosted for real: the instances of a component endpoint as capacity (their instance type's
 * vCPUs, memory and accelerators), copies placed where their ComputeResourceRequirements fit (and, with
 * ManagedInstanceScaling, instances added up to its maximum and idle ones released down to its minimum), each copy a
 * model server started by the CopyLauncher, invocations balanced over a component's copies by the variant's routing
 * strategy, rolling updates in batches with their waits on the store's clock, and the rollback of a batch whose new
 * copies fail their ping health check. The copies come from `deps.copies`: processes in the emulator, scripted ones
 * in the in-process doubles.
 */
import type { Clock } from '../clock.ts';
import { ServiceError } from '../errors.ts';
import { ACCOUNT_ID } from '../events.ts';
import {
  CapacityInstance,
  type CopyRequirements,
  chooseInstance,
  describeRequirements,
  type InstanceTypeTable,
  type PlacementStrategy,
} from '../hosting/capacity.ts';
import { type ComponentCopy, type CopyLauncher, type CopySpec, CopyStartError } from '../hosting/component-copies.ts';
import { DEFAULT_ROUTING_STRATEGY, type RoutingStrategy, type VariantDeploySpec } from '../hosting/fleet.ts';
import type { Logger } from '../logger.ts';
import type { EndpointRecord, InferenceComponentRecord, SageMakerStore } from '../store/store.ts';

export type { CopySpec };

/** What the component hosting needs from the rest of the emulator. */
interface ComponentHostingDeps {
  store: SageMakerStore;
  copies: CopyLauncher;
  /** Instance types' vCPUs, memory and accelerators (EmulatorOptions.instanceTypes). */
  instanceTypes: InstanceTypeTable;
  random: () => number;
  logger: Logger;
  /** Grace period between SIGTERM and SIGKILL when stopping copies. */
  stopGraceMs: number;
  /** Told of every invocation sent to a copy, with the copies serving then (what InvocationsPerCopy counts). */
  onInvocation?: (region: string, componentName: string, atMs: number, copies: number) => void;
}

/** ManagedInstanceScaling of a component endpoint's variant, when ENABLED. */
interface ManagedScaling {
  min: number;
  max: number;
}

/** The instances of one component endpoint. */
interface EndpointCapacity {
  variantName: string;
  instanceType: string;
  instances: CapacityInstance[];
  scaling?: ManagedScaling;
  routing: RoutingStrategy;
}

/** One running copy of a component, and the instance it is placed on. */
interface PlacedCopy {
  id: string;
  copy: ComponentCopy;
  instance: CapacityInstance;
}

/** The copies of one component: those serving, and those that take no new invocations while they drain. */
interface HostedComponent {
  serving: PlacedCopy[];
  abort?: AbortController;
}

/** A rolling update's policy (InferenceComponentRollingUpdatePolicy), resolved. */
interface RollingPolicy {
  batchSize: { type: string; value: number } | undefined;
  rollbackBatchSize: { type: string; value: number } | undefined;
  waitMs: number;
  deadlineMs: number | undefined;
}

/** The copies of `size` out of `total` (COPY_COUNT, or CAPACITY_PERCENT of the copies, at least one). */
function copiesOf(size: { type: string; value: number } | undefined, total: number): number {
  if (size === undefined) return Math.max(1, total);
  if (size.type === 'CAPACITY_PERCENT') return Math.max(1, Math.floor((size.value * total) / 100));
  return Math.max(1, size.value);
}

/** A FailureReason for copies that do not fit (the wording is ours: AWS does not document it). */
class InsufficientCapacityError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'InsufficientCapacityError';
  }
}

/** True for a component endpoint's variant: it names no model (its config is for inference components). */
export function hostsComponents(variant: Pick<VariantDeploySpec, 'modelName'>): boolean {
  return variant.modelName === '';
}

/** Runs inference components: placement, copies, rolling updates, deletion and routing. */
export class ComponentHosting {
  private readonly endpoints = new Map<string, EndpointCapacity>();
  private readonly hosted = new Map<string, HostedComponent>();
  private readonly tasks = new Set<Promise<void>>();
  private shuttingDown = false;
  private nextCopyId = 0;

  constructor(private readonly deps: ComponentHostingDeps) {}

  private get clock(): Clock {
    return this.deps.store.clock;
  }

  private key(region: string, name: string): string {
    return `${region}/${name.toLowerCase()}`;
  }

  private track(task: Promise<void>): void {
    const guarded = task.catch((err: unknown) => {
      this.deps.logger.error('inference component task failed', { error: String(err) });
    });
    this.tasks.add(guarded);
    void guarded.finally(() => this.tasks.delete(guarded));
  }

  private hostedFor(record: InferenceComponentRecord): HostedComponent {
    const key = this.key(record.smwf.region, record.InferenceComponentName);
    let hosted = this.hosted.get(key);
    if (!hosted) {
      hosted = { serving: [] };
      this.hosted.set(key, hosted);
    }
    return hosted;
  }

  /** The resources of one instance of `instanceType`, or SageMaker-style refusal naming what the emulator lacks. */
  instanceResources(instanceType: string) {
    const resources = this.deps.instanceTypes[instanceType];
    if (!resources) {
      throw new ServiceError(
        'UnknownOperationException',
        `Inference components on ${instanceType} are not supported by the smwf local emulator yet: it has no vCPU, memory and accelerator figures for that instance type (EmulatorOptions.instanceTypes).`,
        400,
      );
    }
    return resources;
  }

  /** The capacity of a component endpoint, built from the deployment it serves the first time it is needed. */
  capacityOf(endpoint: EndpointRecord): EndpointCapacity {
    const key = this.key(endpoint.smwf.region, endpoint.EndpointName);
    let capacity = this.endpoints.get(key);
    if (capacity) return capacity;
    const variant = endpoint.smwf.active?.variants[0];
    if (!variant?.instanceType) throw new Error(`endpoint ${endpoint.EndpointName} serves no component variant`);
    const resources = this.instanceResources(variant.instanceType);
    const scaling = variant.managedInstanceScaling;
    const count = Math.max(0, variant.instanceCount);
    capacity = {
      variantName: variant.variantName,
      instanceType: variant.instanceType,
      instances: Array.from({ length: count }, (_, i) => new CapacityInstance(i + 1, resources)),
      routing: variant.routingStrategy ?? DEFAULT_ROUTING_STRATEGY,
      ...(scaling ? { scaling } : {}),
    };
    this.endpoints.set(key, capacity);
    return capacity;
  }

  /** Forgets an endpoint's instances (DeleteEndpoint). */
  endpointDeleted(region: string, endpointName: string): void {
    this.endpoints.delete(this.key(region, endpointName));
  }

  /** How many instances a component endpoint runs now, when the emulator has counted them. */
  instanceCount(region: string, endpointName: string): number | undefined {
    return this.endpoints.get(this.key(region, endpointName))?.instances.length;
  }

  // --- placement ---

  /**
   * Reserves room for `count` copies of the component on the endpoint's instances, adding instances within
   * ManagedInstanceScaling when none has room; all or nothing. Throws InsufficientCapacityError.
   */
  private place(
    endpoint: EndpointRecord,
    component: string,
    requirements: CopyRequirements,
    strategy: PlacementStrategy,
    count: number,
  ): { id: string; instance: CapacityInstance }[] {
    const capacity = this.capacityOf(endpoint);
    const resources = this.instanceResources(capacity.instanceType);
    const placed: { id: string; instance: CapacityInstance }[] = [];
    const added: CapacityInstance[] = [];
    for (let n = 0; n < count; n++) {
      let instance = chooseInstance(capacity.instances, component, requirements, strategy);
      if (!instance && capacity.scaling && capacity.instances.length < capacity.scaling.max) {
        const fresh = new CapacityInstance(Math.max(0, ...capacity.instances.map((i) => i.number)) + 1, resources);
        if (fresh.fits(requirements)) {
          capacity.instances.push(fresh);
          added.push(fresh);
          instance = fresh;
        }
      }
      if (!instance) {
        for (const p of placed) p.instance.release(p.id);
        capacity.instances = capacity.instances.filter((i) => !added.includes(i));
        const free = capacity.instances.map((i) => i.free());
        const most = free.reduce(
          (a, b) => ({
            vCpus: Math.max(a.vCpus, b.vCpus),
            memoryMiB: Math.max(a.memoryMiB, b.memoryMiB),
            accelerators: Math.max(a.accelerators, b.accelerators),
          }),
          { vCpus: 0, memoryMiB: 0, accelerators: 0 },
        );
        const limit = capacity.scaling
          ? ` ManagedInstanceScaling allows at most ${capacity.scaling.max} instances.`
          : ' Add instances to the endpoint, or enable ManagedInstanceScaling.';
        throw new InsufficientCapacityError(
          `Unable to place ${count} ${count === 1 ? 'copy' : 'copies'} of inference component ${component} due to insufficient capacity on endpoint ${endpoint.EndpointName}: each copy needs ${describeRequirements(requirements)}, and at most ${most.vCpus} CPU cores, ${most.memoryMiB} MB of memory and ${most.accelerators} accelerator devices are free on one of its ${capacity.instances.length} ${capacity.instanceType} instances.${limit}`,
        );
      }
      const id = `copy-${++this.nextCopyId}`;
      instance.reserve(id, component, requirements);
      placed.push({ id, instance });
    }
    this.reportInstances(endpoint, capacity);
    return placed;
  }

  /** Gives a copy's room back; with ManagedInstanceScaling, releases idle instances down to its minimum. */
  private unplace(endpoint: EndpointRecord | undefined, ids: readonly { id: string; instance: CapacityInstance }[]) {
    for (const { id, instance } of ids) instance.release(id);
    if (!endpoint) return;
    const capacity = this.endpoints.get(this.key(endpoint.smwf.region, endpoint.EndpointName));
    if (!capacity?.scaling) return;
    const scaling = capacity.scaling;
    let count = capacity.instances.length;
    capacity.instances = capacity.instances.filter((instance) => {
      if (count <= scaling.min || !instance.empty) return true;
      count -= 1;
      return false;
    });
    this.reportInstances(endpoint, capacity);
  }

  /** DescribeEndpoint's instance counts follow what the emulator runs. */
  private reportInstances(endpoint: EndpointRecord, capacity: EndpointCapacity): void {
    const summary = endpoint.ProductionVariants?.find((v) => v.VariantName === capacity.variantName);
    if (!summary || summary.CurrentInstanceCount === capacity.instances.length) return;
    summary.CurrentInstanceCount = capacity.instances.length;
    summary.DesiredInstanceCount = capacity.instances.length;
    void this.deps.store.endpoints.put(endpoint.EndpointName, endpoint);
  }

  // --- transitions ---

  private endpointOf(record: InferenceComponentRecord): EndpointRecord | undefined {
    return this.deps.store.endpoints.get(record.smwf.region, record.EndpointName);
  }

  private async save(record: InferenceComponentRecord): Promise<void> {
    if (this.shuttingDown) return;
    const stored = this.deps.store.inferenceComponents.get(record.smwf.region, record.InferenceComponentName);
    if (stored !== record) return;
    record.LastModifiedTime = this.deps.store.nowSeconds();
    await this.deps.store.inferenceComponents.put(record.InferenceComponentName, record);
  }

  /**
   * Starts `placements.length` copies of `spec` at once; all or nothing: when one fails its ping check, the others
   * stop and their room is given back, and CopyStartError names the first failure.
   */
  private async startCopies(
    endpoint: EndpointRecord,
    spec: CopySpec,
    placements: { id: string; instance: CapacityInstance }[],
    firstNumber: number,
    signal: AbortSignal,
  ): Promise<PlacedCopy[]> {
    const results = await Promise.allSettled(
      placements.map((_p, i) => this.deps.copies.start(spec, firstNumber + i, signal)),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await Promise.all(
        results.map((r) => (r.status === 'fulfilled' ? r.value.stop(this.deps.stopGraceMs) : undefined)),
      );
      this.unplace(endpoint, placements);
      const err = failure.reason as Error;
      throw err instanceof CopyStartError ? err : new CopyStartError(`could not be started: ${err.message}`);
    }
    return results.map((r, i) => ({
      ...(placements[i] as { id: string; instance: CapacityInstance }),
      copy: (r as PromiseFulfilledResult<ComponentCopy>).value,
    }));
  }

  /** Takes copies out of routing, lets their invocations finish, stops them and gives their room back. */
  private async retire(record: InferenceComponentRecord, copies: PlacedCopy[]): Promise<void> {
    const hosted = this.hostedFor(record);
    hosted.serving = hosted.serving.filter((c) => !copies.includes(c));
    await Promise.all(
      copies.map(async (placed) => {
        const deadline = Date.now() + 65_000;
        while (placed.copy.outstanding > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await placed.copy.stop(this.deps.stopGraceMs);
      }),
    );
    this.unplace(this.endpointOf(record), copies);
  }

  private failureReason(record: InferenceComponentRecord, err: unknown): string {
    if (err instanceof InsufficientCapacityError) return err.reason;
    if (err instanceof CopyStartError) {
      return `A copy of inference component ${record.InferenceComponentName} ${err.reason}. Please check CloudWatch logs for this inference component.`;
    }
    if (err instanceof ServiceError) return err.message;
    return `Internal error while hosting inference component ${record.InferenceComponentName}: ${String(err)}`;
  }

  /** CreateInferenceComponent: the record is stored as Creating; placement and copies run in the background. */
  async create(record: InferenceComponentRecord): Promise<void> {
    await this.deps.store.inferenceComponents.put(record.InferenceComponentName, record);
    this.track(this.runCreate(record));
  }

  private async runCreate(record: InferenceComponentRecord): Promise<void> {
    const pending = record.smwf.pending;
    const endpoint = this.endpointOf(record);
    if (!pending || !endpoint) return;
    const hosted = this.hostedFor(record);
    const abort = new AbortController();
    hosted.abort = abort;
    try {
      const placements = this.place(
        endpoint,
        record.InferenceComponentName,
        pending.spec.requirements,
        placementStrategy(pending.specification),
        pending.copyCount,
      );
      const started = await this.startCopies(endpoint, pending.spec, placements, 1, abort.signal);
      if (abort.signal.aborted) {
        await this.retire(record, started);
        return;
      }
      hosted.serving.push(...started);
    } catch (err) {
      if (abort.signal.aborted) return;
      record.InferenceComponentStatus = 'Failed';
      record.FailureReason = this.failureReason(record, err);
      record.RuntimeConfig.CurrentCopyCount = 0;
      delete record.smwf.pending;
      await this.save(record);
      return;
    } finally {
      if (hosted.abort === abort) delete hosted.abort;
    }
    record.smwf.active = pending.spec;
    record.Specification = pending.specification;
    record.RuntimeConfig = { DesiredCopyCount: pending.copyCount, CurrentCopyCount: hosted.serving.length };
    record.InferenceComponentStatus = 'InService';
    delete record.FailureReason;
    delete record.smwf.pending;
    await this.save(record);
  }

  /**
   * UpdateInferenceComponent and UpdateInferenceComponentRuntimeConfig: the record is stored as Updating; the new
   * copy count (and specification, rolled out in batches) is reached in the background.
   */
  async update(record: InferenceComponentRecord): Promise<void> {
    await this.deps.store.inferenceComponents.put(record.InferenceComponentName, record);
    this.track(this.runUpdate(record));
  }

  private async runUpdate(record: InferenceComponentRecord): Promise<void> {
    const pending = record.smwf.pending;
    const endpoint = this.endpointOf(record);
    const active = record.smwf.active;
    if (!pending || !endpoint || !active) return;
    const hosted = this.hostedFor(record);
    const abort = new AbortController();
    hosted.abort = abort;
    let failure: string | undefined;
    try {
      if (pending.spec.version === active.version) failure = await this.scale(record, endpoint, pending, abort.signal);
      else failure = await this.roll(record, endpoint, pending, abort.signal);
    } finally {
      if (hosted.abort === abort) delete hosted.abort;
    }
    if (abort.signal.aborted) return;
    if (failure === undefined) {
      record.smwf.active = pending.spec;
      record.Specification = pending.specification;
      record.RuntimeConfig = { DesiredCopyCount: pending.copyCount, CurrentCopyCount: hosted.serving.length };
      delete record.FailureReason;
    } else {
      // Like an endpoint's silent rollback: InService on what served before, FailureReason set.
      record.RuntimeConfig = {
        DesiredCopyCount: record.RuntimeConfig.DesiredCopyCount,
        CurrentCopyCount: hosted.serving.length,
      };
      record.FailureReason = failure;
    }
    record.InferenceComponentStatus = 'InService';
    delete record.smwf.pending;
    await this.save(record);
  }

  /** A new copy count of the same specification: copies added (placed first) or retired. */
  private async scale(
    record: InferenceComponentRecord,
    endpoint: EndpointRecord,
    pending: NonNullable<InferenceComponentRecord['smwf']['pending']>,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const hosted = this.hostedFor(record);
    const missing = pending.copyCount - hosted.serving.length;
    if (missing < 0) {
      await this.retire(record, hosted.serving.slice(missing));
      return undefined;
    }
    if (missing === 0) return undefined;
    try {
      const placements = this.place(
        endpoint,
        record.InferenceComponentName,
        pending.spec.requirements,
        placementStrategy(pending.specification),
        missing,
      );
      hosted.serving.push(
        ...(await this.startCopies(endpoint, pending.spec, placements, hosted.serving.length + 1, signal)),
      );
      return undefined;
    } catch (err) {
      return this.failureReason(record, err);
    }
  }

  /**
   * A new specification, rolled out in batches (RollingUpdatePolicy): each batch's new copies start beside the old
   * ones and take traffic once they pass /ping, then as many old copies retire; WaitIntervalInSeconds passes between
   * batches. A batch that fails (ping, capacity, MaximumExecutionTimeoutInSeconds) rolls back: the new copies are
   * replaced by copies of the previous specification, RollbackMaximumBatchSize at a time. Returns the FailureReason
   * of a rollback, or undefined.
   */
  private async roll(
    record: InferenceComponentRecord,
    endpoint: EndpointRecord,
    pending: NonNullable<InferenceComponentRecord['smwf']['pending']>,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const hosted = this.hostedFor(record);
    const policy = rollingPolicy(record, this.clock.now());
    const target = pending.copyCount;
    const strategy = placementStrategy(pending.specification);
    const batch = copiesOf(policy.batchSize, target);
    const fresh: PlacedCopy[] = [];
    let failure: string | undefined;
    let first = true;
    while (fresh.length < target && !signal.aborted) {
      if (!first) await this.clock.sleep(policy.waitMs, signal);
      first = false;
      if (signal.aborted) return undefined;
      if (policy.deadlineMs !== undefined && this.clock.now() > policy.deadlineMs) {
        failure = `The update of inference component ${record.InferenceComponentName} did not finish within MaximumExecutionTimeoutInSeconds; it was rolled back.`;
        break;
      }
      const size = Math.min(batch, target - fresh.length);
      try {
        const placements = this.place(
          endpoint,
          record.InferenceComponentName,
          pending.spec.requirements,
          strategy,
          size,
        );
        const started = await this.startCopies(endpoint, pending.spec, placements, fresh.length + 1, signal);
        fresh.push(...started);
        hosted.serving.push(...started);
      } catch (err) {
        failure = this.failureReason(record, err);
        break;
      }
      const old = hosted.serving.filter((c) => c.copy.spec.version !== pending.spec.version).slice(0, size);
      await this.retire(record, old);
    }
    if (signal.aborted) return undefined;
    if (failure === undefined) {
      // More old copies than the new count: the rest retire once every new copy serves.
      await this.retire(
        record,
        hosted.serving.filter((c) => c.copy.spec.version !== pending.spec.version),
      );
      return undefined;
    }
    await this.rollBack(record, endpoint, fresh, policy, signal);
    return failure;
  }

  /** Replaces the new copies by copies of the active specification, RollbackMaximumBatchSize at a time. */
  private async rollBack(
    record: InferenceComponentRecord,
    endpoint: EndpointRecord,
    fresh: PlacedCopy[],
    policy: RollingPolicy,
    signal: AbortSignal,
  ): Promise<void> {
    const active = record.smwf.active as CopySpec;
    const hosted = this.hostedFor(record);
    const wanted = record.RuntimeConfig.DesiredCopyCount;
    const batch = copiesOf(policy.rollbackBatchSize, Math.max(1, fresh.length));
    let remaining = [...fresh];
    while (remaining.length > 0 && !signal.aborted) {
      const out = remaining.slice(0, batch);
      remaining = remaining.slice(batch);
      const oldServing = hosted.serving.filter((c) => c.copy.spec.version === active.version).length;
      const back = Math.max(0, Math.min(out.length, wanted - oldServing));
      if (back > 0) {
        try {
          const placements = this.place(
            endpoint,
            record.InferenceComponentName,
            active.requirements,
            placementStrategy(record.Specification),
            back,
          );
          hosted.serving.push(...(await this.startCopies(endpoint, active, placements, oldServing + 1, signal)));
        } catch (err) {
          this.deps.logger.error('rolling back an inference component failed', { error: String(err) });
        }
      }
      await this.retire(record, out);
    }
  }

  /** DeleteInferenceComponent: Deleting while its copies stop, then gone. */
  async delete(record: InferenceComponentRecord): Promise<void> {
    record.InferenceComponentStatus = 'Deleting';
    await this.save(record);
    this.track(this.runDelete(record));
  }

  private async runDelete(record: InferenceComponentRecord): Promise<void> {
    const key = this.key(record.smwf.region, record.InferenceComponentName);
    const hosted = this.hosted.get(key);
    if (hosted) {
      hosted.abort?.abort();
      await this.retire(record, [...hosted.serving]);
      this.hosted.delete(key);
    }
    for (const spec of [record.smwf.active, record.smwf.pending?.spec]) {
      if (spec) await this.deps.copies.release(spec);
    }
    if (this.shuttingDown) return;
    const current = this.deps.store.inferenceComponents.get(record.smwf.region, record.InferenceComponentName);
    if (current === record) {
      await this.deps.store.inferenceComponents.delete(record.smwf.region, record.InferenceComponentName);
    }
  }

  // --- routing ---

  /**
   * The copy of the component that serves the next invocation (by the endpoint's routing strategy), in flight until
   * `release`; undefined when the component has no copy serving.
   */
  acquire(region: string, componentName: string): { copy: ComponentCopy; release: () => void } | undefined {
    const hosted = this.hosted.get(this.key(region, componentName));
    const copies = hosted?.serving ?? [];
    if (copies.length === 0) return undefined;
    const component = this.deps.store.inferenceComponents.get(region, componentName);
    const capacity = component ? this.endpoints.get(this.key(region, component.EndpointName)) : undefined;
    let chosen = copies[0] as PlacedCopy;
    if (copies.length > 1) {
      if ((capacity?.routing ?? DEFAULT_ROUTING_STRATEGY) === 'RANDOM') {
        chosen = copies[Math.min(copies.length - 1, Math.floor(this.deps.random() * copies.length))] as PlacedCopy;
      } else {
        for (const c of copies) if (c.copy.outstanding < chosen.copy.outstanding) chosen = c;
      }
    }
    const copy = chosen.copy;
    copy.outstanding += 1;
    this.deps.onInvocation?.(region, componentName, this.deps.store.clock.now(), copies.length);
    let released = false;
    return {
      copy,
      release: () => {
        if (released) return;
        released = true;
        copy.outstanding -= 1;
      },
    };
  }

  /** The copies serving a component now (tests and the README's figures read them). */
  servingCopies(region: string, componentName: string): readonly ComponentCopy[] {
    return (this.hosted.get(this.key(region, componentName))?.serving ?? []).map((c) => c.copy);
  }

  // --- restart ---

  /** After a restart: host InService components again and resume interrupted creations, updates and deletions. */
  resume(): void {
    for (const record of this.deps.store.inferenceComponents.all()) this.track(this.host(record));
  }

  private async host(record: InferenceComponentRecord): Promise<void> {
    if (record.InferenceComponentStatus === 'Deleting') return this.runDelete(record);
    if (record.InferenceComponentStatus === 'Creating') return this.runCreate(record);
    const endpoint = this.endpointOf(record);
    const active = record.smwf.active;
    if (!endpoint || !active || record.InferenceComponentStatus === 'Failed') return;
    const hosted = this.hostedFor(record);
    const abort = new AbortController();
    hosted.abort = abort;
    try {
      const count = record.RuntimeConfig.CurrentCopyCount;
      const placements = this.place(
        endpoint,
        record.InferenceComponentName,
        active.requirements,
        placementStrategy(record.Specification),
        count,
      );
      hosted.serving.push(...(await this.startCopies(endpoint, active, placements, 1, abort.signal)));
    } catch (err) {
      if (abort.signal.aborted) return;
      record.InferenceComponentStatus = 'Failed';
      record.FailureReason = this.failureReason(record, err);
      await this.save(record);
      return;
    } finally {
      if (hosted.abort === abort) delete hosted.abort;
    }
    if (record.InferenceComponentStatus === 'Updating' && record.smwf.pending) await this.runUpdate(record);
  }

  /** Stops every copy without changing stored state (a restart resumes from it). */
  async stopAll(): Promise<void> {
    this.shuttingDown = true;
    for (const hosted of this.hosted.values()) hosted.abort?.abort();
    await Promise.all([...this.tasks]);
    await Promise.all(
      [...this.hosted.values()].flatMap((h) => h.serving.map((c) => c.copy.stop(this.deps.stopGraceMs))),
    );
    this.hosted.clear();
  }
}

/** The placement strategy a specification asks for (SchedulingConfig.PlacementStrategy; SPREAD by default). */
function placementStrategy(specification: Record<string, unknown>): PlacementStrategy {
  const scheduling = specification.SchedulingConfig as { PlacementStrategy?: string } | undefined;
  return scheduling?.PlacementStrategy === 'BINPACK' ? 'BINPACK' : 'SPREAD';
}

/** The pending update's RollingUpdatePolicy, with its deadline from now. */
function rollingPolicy(record: InferenceComponentRecord, nowMs: number): RollingPolicy {
  const config = record.smwf.pending?.deploymentConfig;
  const rolling = (config?.RollingUpdatePolicy ?? {}) as {
    MaximumBatchSize?: { Type: string; Value: number };
    RollbackMaximumBatchSize?: { Type: string; Value: number };
    WaitIntervalInSeconds?: number;
    MaximumExecutionTimeoutInSeconds?: number;
  };
  const size = (s: { Type: string; Value: number } | undefined) => (s ? { type: s.Type, value: s.Value } : undefined);
  return {
    batchSize: size(rolling.MaximumBatchSize),
    rollbackBatchSize: size(rolling.RollbackMaximumBatchSize),
    waitMs: (rolling.WaitIntervalInSeconds ?? 0) * 1000,
    deadlineMs:
      rolling.MaximumExecutionTimeoutInSeconds !== undefined
        ? nowMs + rolling.MaximumExecutionTimeoutInSeconds * 1000
        : undefined,
  };
}

/** The runtime's refusal of an invocation of a component that does not serve on the endpoint (our wording). */
export function componentNotFound(endpointName: string, componentName: string): ServiceError {
  return new ServiceError(
    'ValidationError',
    `Inference component ${componentName} is not hosted on endpoint ${endpointName} of account ${ACCOUNT_ID}.`,
    400,
  );
}
