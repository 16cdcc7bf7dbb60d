/**
 * Batch transform jobs run for real: one model server process of the model's image (started like an endpoint
 * container, plus SageMaker's batch environment), fed the job's S3 objects record by record under the batch
 * contract, writing `<key>.out` per object. InProgress -> Completed / Failed / Stopped, with state change events.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { validationException } from '../errors.ts';
import { ACCOUNT_ID, type EventLog } from '../events.ts';
import { remove } from '../fs-util.ts';
import { ModelDataError, type ModelDataSpec, parseS3Uri, prepareModelDir } from '../hosting/artifacts.ts';
import { ContainerProcess, ContainerUnavailableError } from '../hosting/container.ts';
import { type ImagesFile, resolveImage } from '../hosting/images.ts';
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
    let container: ContainerProcess | undefined;
    try {
      container = await this.startModelServer(record, workDir, signal);
      const settings = effectiveSettings(record, await this.executionParameters(container));
      record.smwf.effective = settings;
      await this.save(record, false);
      const objects = this.inputObjects(record);
      const failures: string[] = [];
      for (const object of objects) {
        if (signal.aborted) break;
        try {
          await this.transformObject(record, settings, container, object, signal);
        } catch (err) {
          if (signal.aborted) break;
          if (!(err instanceof ObjectFailedError)) throw err;
          failures.push(err.message);
        }
      }
      if (signal.aborted) {
        await container.stop(this.deps.stopGraceMs);
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
      await container?.stop(this.deps.stopGraceMs);
      await remove(workDir).catch(() => undefined);
    }
  }

  /** Starts the model server like an endpoint container, with SageMaker's batch environment, and waits for /ping. */
  private async startModelServer(record: TransformJobRecord, workDir: string, signal: AbortSignal) {
    const model = this.deps.store.models.get(record.smwf.region, record.ModelName);
    if (!model) throw new ObjectFailedError(`the model ${record.ModelName} no longer exists`);
    const primary = (model.PrimaryContainer ?? (model.Containers as Input[] | undefined)?.[0]) as Input | undefined;
    const image = String(primary?.Image ?? '');
    const mapping = resolveImage(image, this.deps.images);
    if (!mapping) {
      throw new ObjectFailedError(
        `the image '${image}' is not mapped to a local command. Add it to the emulator's images file, or use an image whose repository ends in smwf-examples/<name>`,
      );
    }
    const modelDir = join(workDir, 'model');
    const data: ModelDataSpec | undefined =
      typeof primary?.ModelDataUrl === 'string'
        ? { s3Uri: primary.ModelDataUrl, dataType: 'S3Object', compression: 'Gzip' }
        : undefined;
    try {
      await prepareModelDir(this.deps.s3, data, modelDir, 'primary');
    } catch (err) {
      if (err instanceof ModelDataError) throw new ObjectFailedError(err.message);
      throw err;
    }
    const requested = effectiveSettings(record, undefined);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const container = new ContainerProcess({
      hostname: 'primary',
      image,
      mapping,
      modelDir,
      environment: {
        ...((primary?.Environment as Record<string, string> | undefined) ?? {}),
        ...((record.Environment as Record<string, string> | undefined) ?? {}),
        SAGEMAKER_BATCH: 'true',
        SAGEMAKER_MAX_PAYLOAD_IN_MB: String(requested.maxPayloadInMB),
        SAGEMAKER_BATCH_STRATEGY: STRATEGY_ENV[requested.batchStrategy],
        SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: String(requested.maxConcurrentTransforms),
      },
      logFile: join(
        this.deps.stateDir,
        'logs',
        record.smwf.region,
        'aws',
        'sagemaker',
        'TransformJobs',
        record.TransformJobName,
        `${record.TransformJobName}-${stamp}.log`,
      ),
    });
    await mkdir(workDir, { recursive: true });
    await container.start();
    const problem = await container.waitHealthy(this.deps.startupTimeoutSeconds * 1000, signal);
    if (problem !== undefined) {
      const tail = await container.tail();
      await container.stop(this.deps.stopGraceMs);
      throw new ObjectFailedError(
        `the model server ${problem}${tail ? `. Last log lines: ${tail}` : ''}`.replace('deployment', 'job'),
      );
    }
    return container;
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
    container: ContainerProcess,
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
    const invokeBatch = async (batch: MiniBatch, first: number): Promise<Buffer> => {
      const span = batch.count === 1 ? `record ${first}` : `records ${first}-${first + batch.count - 1}`;
      let lastProblem = '';
      for (let attempt = 0; attempt <= maxRetries; attempt++) {
        if (signal.aborted) throw new ObjectFailedError('stopped');
        try {
          const answer = await container.invoke({ body: batch.body, headers }, timeoutMs);
          if (answer.status >= 200 && answer.status < 300) return answer.body;
          lastProblem = `the model answered ${answer.status} for ${span}: ${answer.body.toString('utf8').slice(0, 200).trim()}`;
          if (answer.status >= 400 && answer.status < 500) break;
        } catch (err) {
          if (!(err instanceof ContainerUnavailableError)) throw err;
          lastProblem = err.timedOut
            ? `the model did not answer ${span} within ${timeoutMs / 1000} seconds`
            : `the model server could not be reached for ${span}: ${err.message}`;
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
