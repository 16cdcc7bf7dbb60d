/** The model servers of a transform job: one process per container of the model, started and health-checked. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceError } from '../errors.ts';
import { ModelDataError, prepareModelDir } from '../hosting/artifacts.ts';
import { ContainerProcess } from '../hosting/container.ts';
import type { ContainerRecords } from '../hosting/container-records.ts';
import type { ImagesFile } from '../hosting/images.ts';
import { resolveImage } from '../hosting/images.ts';
import { type ContainerDeploySpec, containerDeploySpecs } from '../hosting/model-containers.ts';
import type { ChainStage } from '../hosting/pipeline.ts';
import type { S3Store } from '../s3/store.ts';
import type { SageMakerStore, TransformJobRecord } from '../store/store.ts';
import { checkTransformModel, effectiveSettings, STRATEGY_ENV } from './job-settings.ts';

type Input = Record<string, unknown>;

/** One object of the job failed; the job fails with a reason naming it. */
export class ObjectFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectFailedError';
  }
}

/** The model servers of a job: one per container, chained when the model is an inference pipeline. */
export interface JobContainers {
  stages: ChainStage[];
  /** More than one container: messages name the container. */
  pipeline: boolean;
  /** What the first container answers `GET /execution-parameters` (undefined: nothing usable). */
  executionParameters(): Promise<Input | undefined>;
  /** Stops the model servers. */
  stop(): Promise<void>;
}

/** What model server processes need from the emulator. */
export interface ModelServerDeps {
  stateDir: string;
  store: SageMakerStore;
  s3: S3Store;
  images: ImagesFile;
  /** /ping window of the model server. */
  startupTimeoutSeconds: number;
  stopGraceMs: number;
  /** The records of the containers the emulator runs (state directory). */
  containers: ContainerRecords;
}

/** The containers of a job's model, which must still exist and suit a transform job. */
export function jobModelContainers(store: SageMakerStore, record: TransformJobRecord): ContainerDeploySpec[] {
  const model = store.models.get(record.smwf.region, record.ModelName);
  if (!model) throw new ObjectFailedError(`the model ${record.ModelName} no longer exists`);
  try {
    // CreateTransformJob checked the model; one created again under the same name since then is checked here.
    checkTransformModel(model);
  } catch (err) {
    if (err instanceof ServiceError) throw new ObjectFailedError(err.message);
    throw err;
  }
  return containerDeploySpecs(model);
}

/** Downloads a container's model data into the job's folder (SageMaker's /opt/ml/model); returns where. */
export async function prepareJobModelDir(
  s3: S3Store,
  spec: ContainerDeploySpec,
  workDir: string,
  pipeline: boolean,
): Promise<string> {
  const modelDir = pipeline ? join(workDir, spec.hostname, 'model') : join(workDir, 'model');
  try {
    await prepareModelDir(s3, spec.modelData, modelDir, spec.hostname);
  } catch (err) {
    if (err instanceof ModelDataError) throw new ObjectFailedError(err.message);
    throw err;
  }
  return modelDir;
}

/**
 * Starts one model server per container of the model, like endpoint containers, with SageMaker's batch environment
 * (and the job's Environment) in each, and waits for /ping on all of them.
 */
export async function startModelServers(
  deps: ModelServerDeps,
  record: TransformJobRecord,
  workDir: string,
  signal: AbortSignal,
): Promise<JobContainers> {
  const specs = jobModelContainers(deps.store, record);
  const pipeline = specs.length > 1;
  const requested = effectiveSettings(record, undefined);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = join(
    deps.stateDir,
    'logs',
    record.smwf.region,
    'aws',
    'sagemaker',
    'TransformJobs',
    record.TransformJobName,
  );
  const processes: ContainerProcess[] = [];
  for (const spec of specs) {
    const mapping = resolveImage(spec.image, deps.images);
    if (!mapping) {
      throw new ObjectFailedError(
        `the image '${spec.image}' is not mapped to a local command. Add it to the emulator's images file, or use an image whose repository ends in smwf-examples/<name>`,
      );
    }
    const modelDir = await prepareJobModelDir(deps.s3, spec, workDir, pipeline);
    processes.push(
      new ContainerProcess({
        hostname: spec.hostname,
        image: spec.image,
        mapping,
        modelDir,
        environment: {
          ...spec.environment,
          ...((record.Environment as Record<string, string> | undefined) ?? {}),
          SAGEMAKER_BATCH: 'true',
          SAGEMAKER_MAX_PAYLOAD_IN_MB: String(requested.maxPayloadInMB),
          SAGEMAKER_BATCH_STRATEGY: STRATEGY_ENV[requested.batchStrategy],
          SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: String(requested.maxConcurrentTransforms),
        },
        // One log stream per container; a single-container job keeps the job's name alone.
        logFile: join(
          logDir,
          pipeline
            ? `${record.TransformJobName}-${spec.hostname}-${stamp}.log`
            : `${record.TransformJobName}-${stamp}.log`,
        ),
        records: deps.containers,
      }),
    );
  }
  await mkdir(workDir, { recursive: true });
  const stopAll = () => Promise.all(processes.map((p) => p.stop(deps.stopGraceMs)));
  try {
    for (const server of processes) await server.start();
  } catch (err) {
    await stopAll();
    throw err;
  }
  const problems = await Promise.all(processes.map((p) => p.waitHealthy(deps.startupTimeoutSeconds * 1000, signal)));
  const failedIndex = problems.findIndex((p) => p !== undefined);
  if (failedIndex >= 0) {
    const failed = processes[failedIndex] as ContainerProcess;
    const tail = await failed.tail();
    await stopAll();
    const who = pipeline ? `the container ${failed.spec.hostname}` : 'the model server';
    throw new ObjectFailedError(
      `${who} ${problems[failedIndex]}${tail ? `. Last log lines: ${tail}` : ''}`.replace('deployment', 'job'),
    );
  }
  const stages = processes.map((server, index) => ({
    hostname: server.spec.hostname,
    environment: specs[index]?.environment ?? {},
    invoke: server.invoke.bind(server),
  }));
  return {
    stages,
    pipeline,
    executionParameters: () => executionParameters(processes[0] as ContainerProcess),
    stop: async () => {
      await stopAll();
    },
  };
}

/** The container's optional `GET /execution-parameters`; anything but a JSON object is ignored. */
async function executionParameters(container: ContainerProcess): Promise<Input | undefined> {
  const answer = await container.get('/execution-parameters', 2000);
  if (answer.status !== 200) return undefined;
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Input) : undefined;
  } catch {
    return undefined;
  }
}
