/** One input object of a transform job, streamed through the model servers into its `.out`. */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerCallError, HopPayloadTooLargeError, invokeChain } from '../hosting/pipeline.ts';
import { parseS3Uri } from '../s3/uri.ts';
import type { TransformJobRecord } from '../store/store.ts';
import { type JobContainers, ObjectFailedError } from './job-containers.ts';
import type { EffectiveBatchSettings } from './job-settings.ts';
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
import type { TransformDeps } from './transform-jobs.ts';

type Input = Record<string, unknown>;

/**
 * Streams one object through the model server: records -> input filter -> mini-batches, up to
 * MaxConcurrentTransforms requests in flight, answers written in input order (join and output filter per
 * record), then stored as `<output path>/<relative key>.out`. A failure leaves no `.out`.
 */
export async function transformObject(
  deps: TransformDeps,
  record: TransformJobRecord,
  settings: EffectiveBatchSettings,
  containers: JobContainers,
  object: { bucket: string; key: string; relative: string },
  signal: AbortSignal,
): Promise<void> {
  const input = record.TransformInput as Input;
  const output = record.TransformOutput as Input;
  const processing = (record.DataProcessing as Input | undefined) ?? {};
  const split = (input.SplitType === 'Line' || input.SplitType === 'RecordIO' ? input.SplitType : 'None') as SplitType;
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
  if (!outLocation || !deps.s3.hasBucket(outLocation.bucket)) {
    throw new ObjectFailedError(`the output bucket of ${String(output.S3OutputPath)} does not exist`);
  }
  const outPrefix = outLocation.key === '' || outLocation.key.endsWith('/') ? outLocation.key : `${outLocation.key}/`;
  const outKey = `${outPrefix}${object.relative}.out`;
  const tmpDir = join(deps.stateDir, 'transform', 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, crypto.randomUUID());
  const sink = createWriteStream(tmp);
  const sinkError = new Promise<never>((_, reject) => sink.on('error', reject));
  sinkError.catch(() => undefined);

  const source = deps.s3.openObject(object.bucket, object.key, undefined, MIB);
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
    await deps.s3.putObject(
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
