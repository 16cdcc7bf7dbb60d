/**
 * The capacity of an endpoint's instances for inference component copies: each instance has its instance type's
 * vCPUs, memory and accelerator devices, and a copy reserves its ComputeResourceRequirements on the instance it is
 * placed on (DG inference-components: "you allocate ... CPU cores, accelerators and memory" to each copy). The
 * figures of an instance type come from whoever starts the emulator (EmulatorOptions.instanceTypes): the emulator
 * knows SageMaker's API, not its hardware.
 */

/** What one instance of a type offers: vCPUs, memory in MiB and accelerator devices (GPUs). */
export interface InstanceResources {
  readonly vCpus: number;
  readonly memoryMiB: number;
  readonly accelerators: number;
}

/** Instance types' resources, by SageMaker instance type (`ml.m5.xlarge`). */
export type InstanceTypeTable = Readonly<Record<string, InstanceResources>>;

/** What one copy of an inference component reserves on its instance. */
export interface CopyRequirements {
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly accelerators: number;
}

/** How copies are spread over instances (InferenceComponentSchedulingConfig.PlacementStrategy). */
export type PlacementStrategy = 'SPREAD' | 'BINPACK';

/** One instance of a component endpoint and the copies placed on it. */
export class CapacityInstance {
  /** Copy reservations on this instance, by an id of the caller's choosing. */
  private readonly reservations = new Map<string, { component: string; requirements: CopyRequirements }>();

  constructor(
    /** 1-based, as instances are numbered in log stream names. */
    readonly number: number,
    readonly resources: InstanceResources,
  ) {}

  /** What is left once every copy on the instance is counted. */
  free(): InstanceResources {
    let vCpus = this.resources.vCpus;
    let memoryMiB = this.resources.memoryMiB;
    let accelerators = this.resources.accelerators;
    for (const { requirements } of this.reservations.values()) {
      vCpus -= requirements.cpus;
      memoryMiB -= requirements.memoryMiB;
      accelerators -= requirements.accelerators;
    }
    return { vCpus, memoryMiB, accelerators };
  }

  /** True when a copy needing `requirements` fits in what is left. */
  fits(requirements: CopyRequirements): boolean {
    const free = this.free();
    // A small tolerance: fractions of a core (0.25 steps) add up exactly, but floating point need not.
    return (
      requirements.cpus <= free.vCpus + 1e-9 &&
      requirements.memoryMiB <= free.memoryMiB &&
      requirements.accelerators <= free.accelerators
    );
  }

  /** How many copies of `component` the instance holds. */
  copiesOf(component: string): number {
    let count = 0;
    for (const r of this.reservations.values()) if (r.component === component) count += 1;
    return count;
  }

  /** True when no copy is placed on the instance. */
  get empty(): boolean {
    return this.reservations.size === 0;
  }

  reserve(id: string, component: string, requirements: CopyRequirements): void {
    this.reservations.set(id, { component, requirements });
  }

  release(id: string): boolean {
    return this.reservations.delete(id);
  }
}

/**
 * The instance a new copy of `component` goes on, or undefined when it fits on none. SPREAD (SageMaker's default)
 * puts it where the component has the fewest copies, then where most memory is free; BINPACK where the least memory
 * is free, filling instances one by one. Ties: the lowest instance number.
 */
export function chooseInstance(
  instances: readonly CapacityInstance[],
  component: string,
  requirements: CopyRequirements,
  strategy: PlacementStrategy,
): CapacityInstance | undefined {
  const candidates = instances.filter((i) => i.fits(requirements));
  let best: CapacityInstance | undefined;
  for (const instance of candidates) {
    if (best === undefined) {
      best = instance;
      continue;
    }
    if (strategy === 'BINPACK') {
      if (instance.free().memoryMiB < best.free().memoryMiB) best = instance;
      continue;
    }
    const fewer = instance.copiesOf(component) - best.copiesOf(component);
    if (fewer < 0 || (fewer === 0 && instance.free().memoryMiB > best.free().memoryMiB)) best = instance;
  }
  return best;
}

/** `requirements` in SageMaker's words, for FailureReasons. */
export function describeRequirements(requirements: CopyRequirements): string {
  return `${requirements.cpus} CPU cores, ${requirements.memoryMiB} MB of memory and ${requirements.accelerators} accelerator devices`;
}
