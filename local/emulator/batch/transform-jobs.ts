/**
 * Batch transform jobs run for real: one model server process per container of the model (started like an endpoint
 * container, plus SageMaker's batch environment), fed the job's S3 objects record by record under the batch
 * contract, writing `<key>.out` per object. A serial inference pipeline runs whole for every mini-batch and its
 * last container's answers are the output. InProgress -> Completed / Failed / Stopped, with state change events.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceError, validationException } from '../errors.ts';
import { ACCOUNT_ID, type EventLog } from '../events.ts';
import { remove } from '../fs-util.ts';
import { ModelDataError, parseS3Uri, prepareModelDir } from '../hosting/artifacts.ts';
import { ContainerProcess } from '../hosting/container.ts';
import { type ImagesFile, resolveImage } from '../hosting/images.ts';
import { containerDeploySpecs, invocationModeOf } from '../hosting/model-containers.ts';
import { type ChainStage, ContainerCallError, HopPayloadTooLargeError, invokeChain } from '../hosting/pipeline.ts';
import type { Logger } from '../logger.ts';
import type { S3Store } from '../s3/store.ts';
import { nowSeconds, type SageMakerStore, type TransformJobRecord } from '../sagemaker/store.ts';
import {
  filterInput,
  type JsonPathError,
  joinAndFilter,
  lineBatches,
  MIB,
  type MiniBatch,
  miniBatches,
  PayloadTooLargeError,
  parseJsonPath,
  RecordError,
  recordFormat,
  type SplitType,
  splitOutputs,
  splitRecords,
} from './records.ts';

/** What transform jobs need from the rest of the emulator. */
export interface TransformDeps {
  stateDir: string;
  store: SageMakerStore;
  s3: S3Store;
  images: ImagesFile;
  events: EventLog;
  logger: Logger;
  /** /ping window of the model server. */
  startupTimeoutSeconds: number;
  stopGraceMs: number;
}

/** The batch settings in force, after the request, `/execution-parameters` and the defaults. */
export interface EffectiveBatchSettings {
  maxConcurrentTransforms: number;
  maxPayloadInMB: number;
  batchStrategy: 'SingleRecord' | 'MultiRecord';
}

type Input = Record<string, unknown>;

/** SageMaker's defaults when neither the request nor the container says otherwise. */
const DEFAULTS: EffectiveBatchSettings = {
  maxConcurrentTransforms: 1,
  maxPayloadInMB: 6,
  batchStrategy: 'SingleRecord',
};

const STRATEGY_ENV = { SingleRecord: 'SINGLE_RECORD', MultiRecord: 'MULTI_RECORD' } as const;

/**
 * The documented precedence: a value in the CreateTransformJob request wins (MaxConcurrentTransforms and
 * MaxPayloadInMB count as unset at 0... except MaxPayloadInMB 0, which means "no limit"), then what the
 * container's `GET /execution-parameters` answers, then SageMaker's defaults.
 */
export function effectiveSettings(job: Input, fromContainer: Input | undefined): EffectiveBatchSettings {
  const fromRequest = (member: string) => (typeof job[member] === 'number' ? (job[member] as number) : undefined);
  const containerNumber = (member: string) =>
    typeof fromContainer?.[member] === 'number' ? (fromContainer[member] as number) : undefined;
  const containerStrategy = fromContainer?.BatchStrategy;
  const requestedConcurrency = fromRequest('MaxConcurrentTransforms');
  return {
    maxConcurrentTransforms:
      (requestedConcurrency !== undefined && requestedConcurrency > 0 ? requestedConcurrency : undefined) ??
      containerNumber('MaxConcurrentTransforms') ??
      DEFAULTS.maxConcurrentTransforms,
    maxPayloadInMB: fromRequest('MaxPayloadInMB') ?? containerNumber('MaxPayloadInMB') ?? DEFAULTS.maxPayloadInMB,
    batchStrategy:
      job.BatchStrategy === 'MultiRecord' || job.BatchStrategy === 'SingleRecord'
        ? job.BatchStrategy
        : containerStrategy === 'MULTI_RECORD' || containerStrategy === 'MultiRecord'
          ? 'MultiRecord'
          : containerStrategy === 'SINGLE_RECORD' || containerStrategy === 'SingleRecord'
            ? 'SingleRecord'
            : DEFAULTS.batchStrategy,
  };
}

/** One object of the job failed; the job fails with a reason naming it. */
class ObjectFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectFailedError';
  }
}

/** The model servers of a job: one per container, chained when the model is an inference pipeline. */
interface JobContainers {
  processes: ContainerProcess[];
  stages: ChainStage[];
  /** More than one container: messages name the container. */
  pipeline: boolean;
}

const STATUS_EVENT: Record<string, string> = {
  InProgress: 'InProgress',
  Completed: 'Completed',
  Failed: 'Failed',
  Stopping: 'Stopping',
  Stopped: 'Stopped',
};

/** Runs and tracks every transform job of the emulator. */
export class TransformJobs {
  private readonly running = new Map<string, AbortController>();
  private readonly tasks = new Set<Promise<void>>();
  private shuttingDown = false;

  constructor(private readonly deps: TransformDeps) {}

  private key(record: TransformJobRecord): string {
    return `${record.smwf.region}/${record.TransformJobName.toLowerCase()}`;
  }

  /** CreateTransformJob: stored as InProgress; the work runs in the background. */
  async start(record: TransformJobRecord): Promise<void> {
    await this.save(record, true);
    this.launch(record);
  }

  /** StopTransformJob: Stopping now, Stopped once the model server is gone. */
  async stop(record: TransformJobRecord): Promise<void> {
    if (record.TransformJobStatus !== 'InProgress') return;
    record.TransformJobStatus = 'Stopping';
    await this.save(record, true);
    const abort = this.running.get(this.key(record));
    if (abort) abort.abort();
    else await this.finish(record, 'Stopped');
  }

  /** After a restart: jobs that were running start over (outputs are rewritten), Stopping ones are Stopped. */
  resume(): void {
    for (const record of this.deps.store.transformJobs.all()) {
      if (record.TransformJobStatus === 'InProgress') this.launch(record);
      else if (record.TransformJobStatus === 'Stopping') this.track(this.finish(record, 'Stopped'));
    }
  }

  /** Stops every running job's model server without changing stored state (a restart resumes). */
  async stopAll(): Promise<void> {
    this.shuttingDown = true;
    for (const abort of this.running.values()) abort.abort();
    await Promise.all([...this.tasks]);
  }

  private launch(record: TransformJobRecord): void {
    const abort = new AbortController();
    this.running.set(this.key(record), abort);
    this.track(
      this.run(record, abort.signal).finally(() => {
        if (this.running.get(this.key(record)) === abort) this.running.delete(this.key(record));
      }),
    );
  }

  private track(task: Promise<void>): void {
    const guarded = task.catch((err: unknown) => {
      this.deps.logger.error('transform job task failed', { error: String(err) });
    });
    this.tasks.add(guarded);
    void guarded.finally(() => this.tasks.delete(guarded));
  }

  private async save(record: TransformJobRecord, emit: boolean): Promise<void> {
    if (this.shuttingDown) return;
    record.LastModifiedTime = nowSeconds();
    await this.deps.store.transformJobs.put(record.TransformJobName, record);
    if (emit) await this.emitStateChange(record);
  }

  private async finish(record: TransformJobRecord, status: string, failureReason?: string): Promise<void> {
    if (this.shuttingDown) return;
    const finished: TransformJobRecord = {
      ...record,
      TransformJobStatus: status,
      TransformEndTime: nowSeconds(),
      ...(failureReason !== undefined ? { FailureReason: failureReason.slice(0, 1024) } : {}),
    };
    // The state change event is logged before DescribeTransformJob can report the new status, so whoever
    // sees the job finished also finds its event.
    await this.emitStateChange(finished);
    Object.assign(record, finished);
    await this.save(record, false);
  }

  private async emitStateChange(record: TransformJobRecord): Promise<void> {
    const { smwf: _internal, Tags, ...described } = record;
    await this.deps.events.append([
      {
        version: '0',
        id: crypto.randomUUID(),
        'detail-type': 'SageMaker Transform Job State Change',
        source: 'aws.sagemaker',
        account: ACCOUNT_ID,
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: record.smwf.region,
        resources: [record.TransformJobArn],
        detail: {
          ...described,
          TransformJobStatus: STATUS_EVENT[record.TransformJobStatus] ?? record.TransformJobStatus,
          CreationTime: Math.round(record.CreationTime * 1000),
          Tags: Object.fromEntries((Tags ?? []).map((t) => [t.Key, t.Value])),
        },
        eventBusName: 'default',
      },
    ]);
  }

  private async run(record: TransformJobRecord, signal: AbortSignal): Promise<void> {
    const workDir = join(this.deps.stateDir, 'transform', record.smwf.region, record.TransformJobName.toLowerCase());
    let containers: JobContainers | undefined;
    const stopContainers = async () => {
      await Promise.all((containers?.processes ?? []).map((p) => p.stop(this.deps.stopGraceMs)));
    };
    try {
      containers = await this.startModelServers(record, workDir, signal);
      const settings = effectiveSettings(
        record,
        await this.executionParameters(containers.processes[0] as ContainerProcess),
      );
      record.smwf.effective = settings;
      await this.save(record, false);
      const objects = this.inputObjects(record);
      const failures: string[] = [];
      for (const object of objects) {
        if (signal.aborted) break;
        try {
          await this.transformObject(record, settings, containers, object, signal);
        } catch (err) {
          if (signal.aborted) break;
          if (!(err instanceof ObjectFailedError)) throw err;
          failures.push(err.message);
        }
      }
      if (signal.aborted) {
        await stopContainers();
        if (record.TransformJobStatus === 'Stopping') await this.finish(record, 'Stopped');
        return;
      }
      if (failures.length > 0) {
        const more = failures.length > 1 ? ` (and ${failures.length - 1} more failed objects)` : '';
        await this.finish(
          record,
          'Failed',
          `ClientError: ${failures[0]}${more}. See the job's log in /aws/sagemaker/TransformJobs.`,
        );
      } else await this.finish(record, 'Completed');
    } catch (err) {
      if (signal.aborted) {
        if (record.TransformJobStatus === 'Stopping') await this.finish(record, 'Stopped');
        return;
      }
      await this.finish(
        record,
        'Failed',
        err instanceof ObjectFailedError
          ? `ClientError: ${err.message}`
          : String(err instanceof Error ? err.message : err),
      );
    } finally {
      await stopContainers();
      await remove(workDir).catch(() => undefined);
    }
  }

  /**
   * Starts one model server per container of the model, like endpoint containers, with SageMaker's batch environment
   * (and the job's Environment) in each, and waits for /ping on all of them.
   */
  private async startModelServers(
    record: TransformJobRecord,
    workDir: string,
    signal: AbortSignal,
  ): Promise<JobContainers> {
    const model = this.deps.store.models.get(record.smwf.region, record.ModelName);
    if (!model) throw new ObjectFailedError(`the model ${record.ModelName} no longer exists`);
    try {
      // CreateTransformJob checked the model; one created again under the same name since then is checked here.
      checkTransformModel(model);
    } catch (err) {
      if (err instanceof ServiceError) throw new ObjectFailedError(err.message);
      throw err;
    }
    const specs = containerDeploySpecs(model);
    const pipeline = specs.length > 1;
    const requested = effectiveSettings(record, undefined);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const logDir = join(
      this.deps.stateDir,
      'logs',
      record.smwf.region,
      'aws',
      'sagemaker',
      'TransformJobs',
      record.TransformJobName,
    );
    const processes: ContainerProcess[] = [];
    for (const spec of specs) {
      const mapping = resolveImage(spec.image, this.deps.images);
      if (!mapping) {
        throw new ObjectFailedError(
          `the image '${spec.image}' is not mapped to a local command. Add it to the emulator's images file, or use an image whose repository ends in smwf-examples/<name>`,
        );
      }
      const modelDir = pipeline ? join(workDir, spec.hostname, 'model') : join(workDir, 'model');
      try {
        await prepareModelDir(this.deps.s3, spec.modelData, modelDir, spec.hostname);
      } catch (err) {
        if (err instanceof ModelDataError) throw new ObjectFailedError(err.message);
        throw err;
      }
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
        }),
      );
    }
    await mkdir(workDir, { recursive: true });
    const stopAll = () => Promise.all(processes.map((p) => p.stop(this.deps.stopGraceMs)));
    try {
      for (const server of processes) await server.start();
    } catch (err) {
      await stopAll();
      throw err;
    }
    const problems = await Promise.all(
      processes.map((p) => p.waitHealthy(this.deps.startupTimeoutSeconds * 1000, signal)),
    );
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
    return { processes, stages, pipeline };
  }

  /** The container's optional `GET /execution-parameters`; anything but a JSON object is ignored. */
  private async executionParameters(container: ContainerProcess): Promise<Input | undefined> {
    const answer = await container.get('/execution-parameters', 2000);
    if (answer.status !== 200) return undefined;
    try {
      const parsed = JSON.parse(answer.body.toString('utf8')) as unknown;
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Input) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The objects of the input: every key under an S3Prefix, or the one S3Object; sorted by key. */
  private inputObjects(record: TransformJobRecord): { bucket: string; key: string; relative: string }[] {
    const source = ((record.TransformInput as Input).DataSource as Input).S3DataSource as Input;
    const uri = String(source.S3Uri);
    const location = parseS3Uri(uri);
    const noObjects = new ObjectFailedError(`No S3 objects found under S3 URL "${uri}"`);
    if (!location || !this.deps.s3.hasBucket(location.bucket)) throw noObjects;
    // Outputs mirror the input's sub-folders below the prefix's last '/'.
    const base = location.key.slice(0, location.key.lastIndexOf('/') + 1);
    const keys =
      source.S3DataType === 'S3Object'
        ? this.deps.s3.keys(location.bucket).filter((k) => k === location.key)
        : this.deps.s3.keys(location.bucket).filter((k) => k.startsWith(location.key) && !k.endsWith('/'));
    if (keys.length === 0) throw noObjects;
    return keys.map((key) => ({ bucket: location.bucket, key, relative: key.slice(base.length) }));
  }

  /**
   * Streams one object through the model server: records -> input filter -> mini-batches, up to
   * MaxConcurrentTransforms requests in flight, answers written in input order (join and output filter per
   * record), then stored as `<output path>/<relative key>.out`. A failure leaves no `.out`.
   */
  private async transformObject(
    record: TransformJobRecord,
    settings: EffectiveBatchSettings,
    containers: JobContainers,
    object: { bucket: string; key: string; relative: string },
    signal: AbortSignal,
  ): Promise<void> {
    const input = record.TransformInput as Input;
    const output = record.TransformOutput as Input;
    const processing = (record.DataProcessing as Input | undefined) ?? {};
    const split = (
      input.SplitType === 'Line' || input.SplitType === 'RecordIO' ? input.SplitType : 'None'
    ) as SplitType;
    const format = recordFormat(input.ContentType as string | undefined);
    const joinInput = processing.JoinSource === 'Input';
    const uri = `s3://${object.bucket}/${object.key}`;
    let inputSelectors: ReturnType<typeof parseJsonPath>;
    let outputSelectors: ReturnType<typeof parseJsonPath>;
    try {
      inputSelectors = parseJsonPath(String(processing.InputFilter ?? '$'));
      outputSelectors = parseJsonPath(String(processing.OutputFilter ?? '$'));
    } catch (err) {
      throw new ObjectFailedError(`${(err as JsonPathError).message}`);
    }
    const perRecord = joinInput || outputSelectors.length > 0;
    if ((perRecord || inputSelectors.length > 0) && (format === 'other' || split === 'RecordIO')) {
      throw new ObjectFailedError(
        `DataProcessing filters and JoinSource need CSV or JSON records split by Line; ${uri} is ${String(input.ContentType ?? 'of no content type')} split by ${split}`,
      );
    }
    const headers: Record<string, string> = {};
    if (typeof input.ContentType === 'string') headers['content-type'] = input.ContentType;
    if (typeof output.Accept === 'string') headers.accept = output.Accept;
    const clientConfig = (record.ModelClientConfig as Input | undefined) ?? {};
    const timeoutMs = Number(clientConfig.InvocationsTimeoutInSeconds ?? 600) * 1000;
    const maxRetries = Number(clientConfig.InvocationsMaxRetries ?? 3);
    const assembleLine = output.AssembleWith === 'Line';

    const outLocation = parseS3Uri(String(output.S3OutputPath));
    if (!outLocation || !this.deps.s3.hasBucket(outLocation.bucket)) {
      throw new ObjectFailedError(`the output bucket of ${String(output.S3OutputPath)} does not exist`);
    }
    const outPrefix = outLocation.key === '' || outLocation.key.endsWith('/') ? outLocation.key : `${outLocation.key}/`;
    const outKey = `${outPrefix}${object.relative}.out`;
    const tmpDir = join(this.deps.stateDir, 'transform', 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, crypto.randomUUID());
    const sink = createWriteStream(tmp);
    const sinkError = new Promise<never>((_, reject) => sink.on('error', reject));
    sinkError.catch(() => undefined);

    const source = createReadStream(this.deps.s3.dataPath(object.bucket, object.key), { highWaterMark: MIB });
    const batchOptions = {
      split,
      multiRecord: settings.batchStrategy === 'MultiRecord',
      maxPayloadBytes: settings.maxPayloadInMB * MIB,
    };
    // The join needs each batch's original records; they are kept, in order, until their answer is written.
    const originals: Buffer[] = [];
    async function* prepared(records: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const r of records) {
        if (joinInput) originals.push(r);
        yield inputSelectors.length > 0 ? filterInput(r, format, inputSelectors) : r;
      }
    }
    const fast = split === 'Line' && batchOptions.multiRecord && !perRecord && inputSelectors.length === 0;
    const batches = fast
      ? lineBatches(source as AsyncIterable<Buffer>, batchOptions.maxPayloadBytes)
      : miniBatches(prepared(splitRecords(source as AsyncIterable<Buffer>, split)), batchOptions);

    let recordNumber = 0;
    // Between the containers of a pipeline, what one answers may be at most MaxPayloadInMB (0: no limit) for the next.
    const maxHopBytes = settings.maxPayloadInMB > 0 ? settings.maxPayloadInMB * MIB : undefined;
    const who = (container: string) => (containers.pipeline ? `the container ${container}` : 'the model');
    const invokeBatch = async (batch: MiniBatch, first: number): Promise<Buffer> => {
      const span = batch.count === 1 ? `record ${first}` : `records ${first}-${first + batch.count - 1}`;
      let lastProblem = '';
      for (let attempt = 0; attempt <= maxRetries; attempt++) {
        if (signal.aborted) throw new ObjectFailedError('stopped');
        try {
          // The whole pipeline runs for every mini-batch (and again on a retry).
          const { container, response } = await invokeChain(
            containers.stages,
            { body: batch.body, headers },
            timeoutMs,
            maxHopBytes,
          );
          if (response.status >= 200 && response.status < 300) return response.body;
          lastProblem = `${who(container)} answered ${response.status} for ${span}: ${response.body.toString('utf8').slice(0, 200).trim()}`;
          if (response.status >= 400 && response.status < 500) break;
        } catch (err) {
          if (err instanceof HopPayloadTooLargeError) {
            lastProblem = `the container ${err.from} answered ${err.status} for ${span}, but the request payload from ${err.from} to ${err.to} is ${err.bytes} bytes, which has exceeded the maximum limit of MaxPayloadInMB (${settings.maxPayloadInMB} MB)`;
            break;
          }
          if (!(err instanceof ContainerCallError)) throw err;
          lastProblem = err.timedOut
            ? `${who(err.container)} did not answer ${span} within ${timeoutMs / 1000} seconds`
            : `${containers.pipeline ? `the container ${err.container}` : 'the model server'} could not be reached for ${span}: ${err.message}`;
        }
      }
      throw new ObjectFailedError(`${uri}: ${lastProblem}`);
    };

    const limit = Math.max(1, settings.maxConcurrentTransforms);
    const inFlight: { answer: Promise<Buffer>; batch: MiniBatch; originals: Buffer[] }[] = [];
    const write = async (chunk: Buffer | string): Promise<void> => {
      if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), sinkError]);
    };
    const settle = async (): Promise<void> => {
      const head = inFlight.shift();
      if (!head) return;
      const body = await head.answer;
      if (!perRecord) {
        await write(body);
        if (assembleLine && (body.length === 0 || body[body.length - 1] !== 0x0a)) await write('\n');
        return;
      }
      const outputs = splitOutputs(body, head.batch.count);
      if (!outputs) {
        throw new ObjectFailedError(
          `${uri}: the model's answer does not split into ${head.batch.count} records, which JoinSource and OutputFilter need`,
        );
      }
      const lines = outputs.map((out, i) =>
        joinAndFilter(joinInput ? head.originals[i] : undefined, out, format, outputSelectors),
      );
      await write(assembleLine ? `${lines.join('\n')}\n` : lines.join(''));
    };

    try {
      try {
        for await (const batch of batches) {
          const originalsOfBatch = joinInput ? originals.splice(0, batch.count) : [];
          const answer = invokeBatch(batch, recordNumber + 1);
          answer.catch(() => undefined);
          recordNumber += batch.count;
          inFlight.push({ answer, batch, originals: originalsOfBatch });
          if (inFlight.length >= limit) await settle();
        }
        while (inFlight.length > 0) await settle();
      } catch (err) {
        if (err instanceof RecordError || err instanceof PayloadTooLargeError) {
          throw new ObjectFailedError(`${uri}: ${err.message}`);
        }
        throw err;
      }
      sink.end();
      await Promise.race([once(sink, 'finish'), sinkError]);
      record.smwf.recordsProcessed = (record.smwf.recordsProcessed ?? 0) + recordNumber;
      await this.deps.s3.putObject(
        outLocation.bucket,
        outKey,
        createReadStream(tmp),
        { metadata: {}, ...(typeof output.Accept === 'string' ? { contentType: output.Accept } : {}) },
        { announced: new Set(), values: () => ({}) },
      );
    } finally {
      source.destroy();
      sink.destroy();
      await unlink(tmp).catch(() => undefined);
    }
  }
}

/** Throws SageMaker's error when a new job's settings break the documented limits. */
export function checkTransformLimits(input: Input): void {
  const concurrency = typeof input.MaxConcurrentTransforms === 'number' ? input.MaxConcurrentTransforms : 0;
  const payload = typeof input.MaxPayloadInMB === 'number' ? input.MaxPayloadInMB : undefined;
  if (payload !== undefined && payload > 100) {
    throw validationException(`MaxPayloadInMB must be less than or equal to 100, but was ${payload}.`);
  }
  if (concurrency > 0 && payload !== undefined && concurrency * payload > 100) {
    throw validationException(
      `The product of MaxConcurrentTransforms (${concurrency}) and MaxPayloadInMB (${payload}) must not exceed 100 MB.`,
    );
  }
}

/**
 * Refuses, when a job is created, the models whose batch transform the emulator does not run: a multi-container
 * model in Direct mode (the SageMaker docs cover batch transform of inference pipelines only, DG
 * inference-pipeline-batch) and a multi-model container.
 */
export function checkTransformModel(model: Input): void {
  const notEmulated = (what: string) =>
    new ServiceError('UnknownOperationException', `${what} not supported by the smwf local emulator yet.`, 400);
  if (invocationModeOf(model) === 'Direct') {
    throw notEmulated(
      `Batch transform of model ${String(model.ModelName)}, a multi-container model in Direct inference execution mode (InferenceExecutionConfig), is`,
    );
  }
  if (containerDeploySpecs(model).some((c) => c.mode === 'MultiModel')) {
    throw notEmulated(`Batch transform of model ${String(model.ModelName)}, a multi-model (Mode MultiModel) model, is`);
  }
}
