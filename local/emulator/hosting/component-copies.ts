/**
 * Copies of an inference component: each copy is one model server process that follows the container contract,
 * started with the component's image, model data and environment, and checked with /ping like an endpoint's
 * container. How copies come up is a CopyLauncher: real processes for the emulator (ProcessCopies), scripted ones for
 * the in-process doubles.
 */
import { join } from 'node:path';
import { remove } from '../fs-util.ts';
import type { S3Store } from '../s3/store.ts';
import { ModelDataError, type ModelDataSpec, prepareModelDir } from './artifacts.ts';
import type { CopyRequirements } from './capacity.ts';
import { ContainerProcess, type ContainerRequest, type ContainerResponse } from './container.ts';
import type { ContainerRecords } from './container-records.ts';
import { type ImagesFile, resolveImage } from './images.ts';

/** What every copy of one version of a component's specification runs, snapshotted when the version was deployed. */
export interface CopySpec {
  region: string;
  endpointName: string;
  componentName: string;
  /** Counts the component's specifications (1 at creation, one more per UpdateInferenceComponent that changes it). */
  version: number;
  /** The model the specification names (ModelName), if it names one. */
  modelName?: string;
  image: string;
  environment: Record<string, string>;
  modelData?: ModelDataSpec;
  /** The role SageMaker reads the model data as: the model's, else the endpoint config's ExecutionRoleArn. */
  executionRoleArn?: string;
  startupTimeoutSeconds: number;
  requirements: CopyRequirements;
}

/** One running copy: invocations in flight, invoke, stop. */
export interface ComponentCopy {
  readonly spec: CopySpec;
  /** Invocations sent to this copy and not answered yet (LEAST_OUTSTANDING_REQUESTS routing reads it). */
  outstanding: number;
  invoke(request: ContainerRequest, timeoutMs: number): Promise<ContainerResponse>;
  /** Stops the copy (its process gets `graceMs` between SIGTERM and SIGKILL). */
  stop(graceMs: number): Promise<void>;
}

/** A copy did not come up; `reason` says why, as the rest of a sentence naming the copy. */
export class CopyStartError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CopyStartError';
  }
}

/** How copies come up. `start` throws CopyStartError when the copy does not pass its ping health check in time. */
export interface CopyLauncher {
  start(spec: CopySpec, copyNumber: number, signal: AbortSignal): Promise<ComponentCopy>;
  /** Frees what a version of a specification left behind (its extracted model) once no copy runs it. */
  release(spec: CopySpec): Promise<void>;
}

/** Where the emulator keeps copies' files. */
interface ProcessCopyOptions {
  s3: S3Store;
  images: ImagesFile;
  /** Model directories: `<hostingRoot>/<region>/<endpoint>/components/<component>-<version>/model`. */
  hostingRoot: string;
  /** Log streams: `<logRoot>/<region>/aws/sagemaker/InferenceComponents/<component>/`. */
  logRoot: string;
  /** The emulator's records of its containers (state directory): a copy is a container like an endpoint's. */
  records: ContainerRecords;
}

/** A copy that is a model server process; one that exits while it serves is started again, as SageMaker replaces it. */
class ProcessCopy implements ComponentCopy {
  outstanding = 0;
  private stopped = false;

  constructor(
    readonly spec: CopySpec,
    private process: ContainerProcess,
  ) {
    this.supervise(process);
  }

  invoke(request: ContainerRequest, timeoutMs: number): Promise<ContainerResponse> {
    return this.process.invoke(request, timeoutMs);
  }

  private supervise(process: ContainerProcess): void {
    void process.whenExited().then(async () => {
      if (this.stopped) return;
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const replacement = new ContainerProcess({
        ...process.spec,
        logFile: `${process.spec.logFile.replace(/\.log$/, '')}-restart-${stamp}.log`,
      });
      await replacement.start();
      const problem = await replacement.waitHealthy(this.spec.startupTimeoutSeconds * 1000);
      if (this.stopped || problem !== undefined) {
        await replacement.stop(1000);
        if (!this.stopped) this.supervise(replacement);
        return;
      }
      this.process = replacement;
      this.supervise(replacement);
    });
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    await this.process.stop(graceMs);
  }
}

/** The emulator's copies: model server processes, their model data from the emulator's S3. */
export class ProcessCopies implements CopyLauncher {
  /** Extracted model directories, one per version of a specification, shared by its copies. */
  private readonly prepared = new Map<string, Promise<string>>();

  constructor(private readonly options: ProcessCopyOptions) {}

  private versionDir(spec: CopySpec): string {
    return join(
      this.options.hostingRoot,
      spec.region,
      spec.endpointName.toLowerCase(),
      'components',
      `${spec.componentName.toLowerCase()}-${spec.version}`,
    );
  }

  private modelDir(spec: CopySpec): Promise<string> {
    const dir = join(this.versionDir(spec), 'model');
    let prepared = this.prepared.get(dir);
    if (!prepared) {
      prepared = prepareModelDir(this.options.s3, spec.modelData, dir, spec.componentName).then(() => dir);
      this.prepared.set(dir, prepared);
      prepared.catch(() => this.prepared.delete(dir));
    }
    return prepared;
  }

  async start(spec: CopySpec, copyNumber: number, signal: AbortSignal): Promise<ComponentCopy> {
    const mapping = resolveImage(spec.image, this.options.images);
    if (!mapping) {
      throw new CopyStartError(
        `could not be started: the image '${spec.image}' is not mapped to a local command. Add it to the emulator's images file, or use an image whose repository ends in smwf-examples/<name>`,
      );
    }
    let modelDir: string;
    try {
      modelDir = await this.modelDir(spec);
    } catch (err) {
      if (err instanceof ModelDataError) throw new CopyStartError(`could not be started: ${err.message}`);
      throw err;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const process = new ContainerProcess({
      hostname: spec.componentName,
      image: spec.image,
      mapping,
      modelDir,
      environment: spec.environment,
      records: this.options.records,
      logFile: join(
        this.options.logRoot,
        spec.region,
        'aws',
        'sagemaker',
        'InferenceComponents',
        spec.componentName,
        `${spec.componentName}-${spec.version}-copy-${copyNumber}-${stamp}.log`,
      ),
    });
    await process.start();
    const problem = await process.waitHealthy(spec.startupTimeoutSeconds * 1000, signal);
    if (problem !== undefined) {
      const tail = await process.tail(3);
      await process.stop(1000);
      throw new CopyStartError(tail ? `${problem}. Last log lines: ${tail.slice(-300)}` : problem);
    }
    return new ProcessCopy(spec, process);
  }

  async release(spec: CopySpec): Promise<void> {
    const dir = this.versionDir(spec);
    this.prepared.delete(join(dir, 'model'));
    await remove(dir).catch(() => undefined);
  }
}
