import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../clock.ts';
import { ACCOUNT_ID } from '../events.ts';
import { readJson, remove, writeJsonAtomic } from '../fs-util.ts';
import type { CopySpec } from '../hosting/component-copies.ts';
import type { DeploymentSpec } from '../hosting/fleet.ts';

/** SageMaker tag. */
export interface Tag {
  Key: string;
  Value: string;
}

/** Fields every stored resource has; API fields use AWS member names, internal ones live under `smwf`. */
export interface BaseRecord {
  Tags?: Tag[];
  CreationTime: number;
  smwf: { region: string };
}

/** A model as CreateModel stored it (DescribeModel projects it onto its output shape). */
export interface ModelRecord extends BaseRecord {
  ModelName: string;
  ModelArn: string;
  [member: string]: unknown;
  smwf: {
    region: string;
    /**
     * The containers the model runs when it names model packages (ModelPackageName): each package's
     * InferenceSpecification containers as they were at CreateModel, in place of the container that named it.
     */
    resolvedContainers?: Record<string, unknown>[];
  };
}

/** An endpoint configuration as stored. */
export interface EndpointConfigRecord extends BaseRecord {
  EndpointConfigName: string;
  EndpointConfigArn: string;
  ProductionVariants: Record<string, unknown>[];
  [member: string]: unknown;
}

/** An endpoint and what it is hosting. */
export interface EndpointRecord extends BaseRecord {
  EndpointName: string;
  EndpointArn: string;
  EndpointConfigName: string;
  EndpointStatus: string;
  LastModifiedTime: number;
  FailureReason?: string;
  ProductionVariants?: Record<string, unknown>[];
  PendingDeploymentSummary?: Record<string, unknown>;
  LastDeploymentConfig?: Record<string, unknown>;
  [member: string]: unknown;
  smwf: {
    region: string;
    /** The deployment serving traffic. */
    active?: DeploymentSpec;
    /** The deployment being created or rolled out. */
    pending?: DeploymentSpec;
    /** DeploymentConfig governing the pending rollout. */
    pendingDeploymentConfig?: Record<string, unknown>;
  };
}

/** True when the endpoint serves asynchronous inference: it was created or updated with an AsyncInferenceConfig. */
export function isAsyncEndpoint(endpoint: EndpointRecord): boolean {
  return endpoint.AsyncInferenceConfig !== undefined;
}

/**
 * An inference component: its API members as DescribeInferenceComponent answers them, and the specification its
 * copies run (`smwf.active`) or are rolling out to (`smwf.pending`).
 */
export interface InferenceComponentRecord extends BaseRecord {
  InferenceComponentName: string;
  InferenceComponentArn: string;
  EndpointName: string;
  EndpointArn: string;
  VariantName: string;
  InferenceComponentStatus: string;
  LastModifiedTime: number;
  FailureReason?: string;
  Specification: Record<string, unknown>;
  RuntimeConfig: { DesiredCopyCount: number; CurrentCopyCount: number };
  LastDeploymentConfig?: Record<string, unknown>;
  [member: string]: unknown;
  smwf: {
    region: string;
    /** What the copies serving now run (absent until the first copies came up). */
    active?: CopySpec;
    /** The specification being created or rolled out, and the copy count it is for. */
    pending?: {
      spec: CopySpec;
      specification: Record<string, unknown>;
      copyCount: number;
      /** The update's DeploymentConfig (RollingUpdatePolicy), when it gave one. */
      deploymentConfig?: Record<string, unknown>;
    };
    /** The last version number given to a specification of this component. */
    lastVersion: number;
  };
}

/** A batch transform job: the request as given, its status, and what the run resolved. */
export interface TransformJobRecord extends BaseRecord {
  TransformJobName: string;
  TransformJobArn: string;
  TransformJobStatus: string;
  ModelName: string;
  LastModifiedTime: number;
  TransformStartTime?: number;
  TransformEndTime?: number;
  FailureReason?: string;
  [member: string]: unknown;
  smwf: {
    region: string;
    /** Batch settings after the request, the container's /execution-parameters and the defaults. */
    effective?: { maxConcurrentTransforms: number; maxPayloadInMB: number; batchStrategy: string };
    recordsProcessed?: number;
  };
}

/** A model package group of the Model Registry. */
export interface ModelPackageGroupRecord extends BaseRecord {
  ModelPackageGroupName: string;
  ModelPackageGroupArn: string;
  ModelPackageGroupStatus: string;
  [member: string]: unknown;
  smwf: {
    region: string;
    /** The last version number given in the group: versions are never reused, even after a deletion. */
    lastVersion: number;
  };
}

/** A versioned model package (one version of a group), its API members as DescribeModelPackage answers them. */
export interface ModelPackageRecord extends BaseRecord {
  ModelPackageName: string;
  ModelPackageGroupName: string;
  ModelPackageVersion: number;
  ModelPackageArn: string;
  ModelPackageStatus: string;
  ModelApprovalStatus: string;
  LastModifiedTime: number;
  [member: string]: unknown;
  smwf: {
    region: string;
    /** The ClientToken of the request that created it: the same token again answers this package. */
    clientToken?: string;
  };
}

/** The SageMaker resource kinds the emulator stores. */
export type ResourceKind =
  | 'model'
  | 'endpoint-config'
  | 'endpoint'
  | 'transform-job'
  | 'model-package-group'
  | 'model-package'
  | 'inference-component';

/** Builds an ARN like SageMaker's (resource name lower-cased). */
export function resourceArn(region: string, kind: ResourceKind, name: string): string {
  return `arn:aws:sagemaker:${region}:${ACCOUNT_ID}:${kind}/${name.toLowerCase()}`;
}

/** Splits a SageMaker ARN into region, kind and (lower-cased) name. */
export function parseArn(arn: string): { region: string; kind: string; name: string } | undefined {
  const match = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]*):\d{12}:([a-z-]+)\/(.+)$/.exec(arn);
  if (!match) return undefined;
  return { region: match[1] as string, kind: match[2] as string, name: (match[3] as string).toLowerCase() };
}

/**
 * One kind of resource, kept in memory and mirrored as one JSON file per resource (in memory only, without a root: the
 * in-process doubles).
 */
class ResourceTable<T extends BaseRecord> {
  private readonly records = new Map<string, T>();
  /** Writes per file run one after another, so the file always ends with the latest state. */
  private readonly writes = new Map<string, Promise<void>>();
  /** The writes begun and not yet on disk. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly root: string | undefined,
    private readonly kind: ResourceKind,
  ) {}

  private key(region: string, name: string): string {
    return `${region}/${name.toLowerCase()}`;
  }

  private file(root: string, region: string, name: string): string {
    return join(root, region, `${this.kind}s`, `${name.toLowerCase()}.json`);
  }

  async load(): Promise<void> {
    const root = this.root;
    if (root === undefined) return;
    await mkdir(root, { recursive: true });
    for (const region of await readdir(root)) {
      const dir = join(root, region, `${this.kind}s`);
      let files: string[];
      try {
        files = await readdir(dir);
      } catch {
        continue;
      }
      for (const file of files) {
        if (!file.endsWith('.json')) continue;
        const record = await readJson<T>(join(dir, file));
        if (record) this.records.set(this.key(region, file.slice(0, -5)), record);
      }
    }
  }

  get(region: string, name: string): T | undefined {
    return this.records.get(this.key(region, name));
  }

  list(region: string): T[] {
    return [...this.records.values()].filter((r) => r.smwf.region === region);
  }

  all(): T[] {
    return [...this.records.values()];
  }

  async put(name: string, record: T): Promise<void> {
    const key = this.key(record.smwf.region, name);
    this.records.set(key, record);
    if (this.root === undefined) return;
    const file = this.file(this.root, record.smwf.region, name);
    await this.serialize(key, () =>
      this.records.get(key) === record ? writeJsonAtomic(file, record) : Promise.resolve(),
    );
  }

  async delete(region: string, name: string): Promise<void> {
    const key = this.key(region, name);
    this.records.delete(key);
    if (this.root === undefined) return;
    const file = this.file(this.root, region, name);
    await this.serialize(key, () => (this.records.has(key) ? Promise.resolve() : remove(file)));
  }

  private serialize(key: string, write: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(key) ?? Promise.resolve()).then(write, write);
    this.writes.set(key, next);
    const tracked = next.catch(() => undefined);
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return next;
  }

  /** Whether a write begun is not on disk yet. */
  get writing(): boolean {
    return this.pending.size > 0;
  }

  /** Resolves once every write begun (including those begun while waiting) is on disk or has failed. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/**
 * All SageMaker resources of the emulator, under `root` (in memory only without one), stamped with the times of
 * `clock`.
 */
export class SageMakerStore {
  readonly models: ResourceTable<ModelRecord>;
  readonly endpointConfigs: ResourceTable<EndpointConfigRecord>;
  readonly endpoints: ResourceTable<EndpointRecord>;
  readonly transformJobs: ResourceTable<TransformJobRecord>;
  readonly modelPackageGroups: ResourceTable<ModelPackageGroupRecord>;
  /** Keyed by `<group>.<version>` (see modelPackageKey). */
  readonly modelPackages: ResourceTable<ModelPackageRecord>;
  readonly inferenceComponents: ResourceTable<InferenceComponentRecord>;

  constructor(
    root: string | undefined,
    readonly clock: Clock = systemClock,
  ) {
    this.models = new ResourceTable(root, 'model');
    this.endpointConfigs = new ResourceTable(root, 'endpoint-config');
    this.endpoints = new ResourceTable(root, 'endpoint');
    this.transformJobs = new ResourceTable(root, 'transform-job');
    this.modelPackageGroups = new ResourceTable(root, 'model-package-group');
    this.modelPackages = new ResourceTable(root, 'model-package');
    this.inferenceComponents = new ResourceTable(root, 'inference-component');
  }

  /** Now on the store's clock, as SageMaker timestamps (epoch seconds with milliseconds). */
  nowSeconds(): number {
    return this.clock.now() / 1000;
  }

  /**
   * Resolves once every write begun is on disk (or has failed): what a process killed now leaves in its state
   * directory, a write under way when it dies being atomic (all or nothing).
   */
  async settled(): Promise<void> {
    await Promise.all(this.persistedTables().map((table) => table.settled()));
  }

  /** Whether a write begun is not on disk yet. */
  get writing(): boolean {
    return this.persistedTables().some((table) => table.writing);
  }

  /** Every table the store keeps on its state directory. */
  private persistedTables() {
    return [
      this.models,
      this.endpointConfigs,
      this.endpoints,
      this.transformJobs,
      this.modelPackageGroups,
      this.modelPackages,
      this.inferenceComponents,
    ];
  }

  async load(): Promise<void> {
    for (const table of this.persistedTables()) await table.load();
  }
}

/** The store key of a versioned model package (a dot cannot occur in a group name, so the key is unambiguous). */
export function modelPackageKey(group: string, version: number): string {
  return `${group}.${version}`;
}
