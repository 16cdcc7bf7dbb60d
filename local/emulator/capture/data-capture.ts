/**
 * Data capture of real-time endpoints (contract: ../shared/reference/sagemaker-variant-contracts.md §7; DG
 * model-monitor-data-capture-endpoint): the sampled InvokeEndpoint requests and answers written to S3 as JSON
 * lines, under `<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/<MM-SS-mmm>-<uuid>.jsonl`.
 *
 * Emulator choices (AWS leaves them open; local/emulator/README.md documents them): sampling is deterministic
 * (each variant captures the n-th invocation when floor(n·p/100) grows, so 0 and 100 % are exact and p % of every
 * 100 invocations are captured); each captured invocation is written as its own file before the answer is sent
 * (AWS buffers for minutes); only invocations the model answered with 2xx are captured.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { notEmulated, ServiceError } from '../errors.ts';
import { s3ObjectArn } from '../iam/roles.ts';
import type { Logger } from '../logger.ts';
import type { S3Store } from '../s3/store.ts';
import { parseS3Uri } from '../s3/uri.ts';

type Input = Record<string, unknown>;

/** What the capture of one invocation needs to know about it. */
interface CapturedInvocation {
  endpointName: string;
  variantName: string;
  /** The endpoint config's DataCaptureConfig (undefined: no capture). */
  config: Input | undefined;
  /** The variant's hosting object: sampling counts per deployment of a variant. */
  variant: object;
  /** The model's execution role, as which SageMaker writes the capture file. */
  writeAs?: string;
  inferenceId?: string;
  request: { body: Buffer; contentType: string };
  response: { body: Buffer; contentType: string };
}

/** True when the config captures at all (EnableCapture defaults to true). */
function enabled(config: Input | undefined): config is Input {
  return config !== undefined && config.EnableCapture !== false;
}

/**
 * Refuses the DataCaptureConfig members the emulator does not honour: a KMS key (S3 encryption is not emulated)
 * and a destination that is not an `s3://` URI.
 */
export function checkDataCaptureConfig(config: Input | undefined): void {
  if (config === undefined) return;
  if (typeof config.KmsKeyId === 'string' && config.KmsKeyId !== '') {
    throw new ServiceError(
      'UnknownOperationException',
      'DataCaptureConfig KmsKeyId (encrypting capture files with a KMS key) is not supported by the smwf local emulator yet: S3 encryption is not emulated.',
      400,
    );
  }
  if (!/^s3:\/\/[^/]+/.test(String(config.DestinationS3Uri))) {
    throw notEmulated(
      `DataCaptureConfig DestinationS3Uri ${String(config.DestinationS3Uri)}: destinations other than s3://<bucket>[/<prefix>] are`,
    );
  }
}

/** DescribeEndpoint's DataCaptureConfig summary of the serving config's capture: Started only when it captures. */
export function dataCaptureSummary(config: Input): Input {
  return {
    EnableCapture: config.EnableCapture ?? true,
    CaptureStatus: enabled(config) ? 'Started' : 'Stopped',
    CurrentSamplingPercentage: config.InitialSamplingPercentage,
    DestinationS3Uri: config.DestinationS3Uri,
    ...(config.KmsKeyId ? { KmsKeyId: config.KmsKeyId } : {}),
  };
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** How a body is written into a capture record: CSV and JSON as text (by the config's lists), the rest base64. */
function encode(body: Buffer, contentType: string, config: Input): { data: string; encoding: string } {
  const headers = (config.CaptureContentTypeHeader as Input | undefined) ?? {};
  const listed = (member: string) =>
    ((headers[member] as string[] | undefined) ?? []).some((t) => mediaType(t) === mediaType(contentType));
  if (listed('CsvContentTypes')) return { data: body.toString('utf8'), encoding: 'CSV' };
  if (listed('JsonContentTypes')) return { data: body.toString('utf8'), encoding: 'JSON' };
  return { data: body.toString('base64'), encoding: 'BASE64' };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Writes capture files for the sampled invocations of endpoints whose config asks for data capture. */
export class DataCaptureWriter {
  /** Invocations seen per variant deployment, for the deterministic sampling. */
  private readonly seen = new WeakMap<object, number>();

  constructor(
    private readonly s3: S3Store,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Whether this invocation is in the sample (counts it). */
  private sampled(variant: object, percentage: number): boolean {
    const n = (this.seen.get(variant) ?? 0) + 1;
    this.seen.set(variant, n);
    return Math.floor((n * percentage) / 100) > Math.floor(((n - 1) * percentage) / 100);
  }

  /** Captures one invocation when the config asks for it and the sample takes it; returns the key written. */
  async capture(invocation: CapturedInvocation): Promise<string | undefined> {
    const { config } = invocation;
    if (!enabled(config)) return undefined;
    if (!this.sampled(invocation.variant, Number(config.InitialSamplingPercentage ?? 0))) return undefined;
    const modes = new Set(((config.CaptureOptions as Input[] | undefined) ?? []).map((o) => o.CaptureMode));
    const captureInput = modes.has('Input') || modes.has('InputAndOutput');
    const captureOutput = modes.has('Output') || modes.has('InputAndOutput');
    const now = this.clock();
    const captureData: Input = {};
    if (captureInput) {
      const { body, contentType } = invocation.request;
      captureData.endpointInput = {
        observedContentType: contentType,
        mode: 'INPUT',
        ...encode(body, contentType, config),
      };
    }
    if (captureOutput) {
      const { body, contentType } = invocation.response;
      captureData.endpointOutput = {
        observedContentType: contentType,
        mode: 'OUTPUT',
        ...encode(body, contentType, config),
      };
    }
    const eventId = randomUUID();
    const line = {
      captureData,
      eventMetadata: {
        eventId,
        ...(invocation.inferenceId !== undefined ? { inferenceId: invocation.inferenceId } : {}),
        inferenceTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      eventVersion: '0',
    };
    const destination = parseS3Uri(String(config.DestinationS3Uri));
    const bucket = destination?.bucket ?? '';
    const prefix = (destination?.key ?? '').replace(/\/+$/, '');
    const folder = [
      now.getUTCFullYear(),
      pad(now.getUTCMonth() + 1),
      pad(now.getUTCDate()),
      pad(now.getUTCHours()),
    ].join('/');
    const file = `${pad(now.getUTCMinutes())}-${pad(now.getUTCSeconds())}-${pad(now.getUTCMilliseconds(), 3)}-${eventId}.jsonl`;
    const key = [prefix, invocation.endpointName, invocation.variantName, folder, file].filter((p) => p).join('/');
    if (!this.s3.hasBucket(bucket)) {
      // SageMaker does not fail the invocation when the destination cannot be written; it is logged.
      this.logger.warn(
        `data capture of endpoint ${invocation.endpointName}: bucket ${bucket} does not exist; the record is dropped`,
      );
      return undefined;
    }
    const denied = this.s3.roles.denial(invocation.writeAs, {
      action: 's3:PutObject',
      resource: s3ObjectArn(bucket, key),
    });
    if (denied !== undefined) {
      // As for a missing bucket: the invocation is answered, the record dropped and the reason logged.
      this.logger.warn(`data capture of endpoint ${invocation.endpointName}: the record is dropped: ${denied}`);
      return undefined;
    }
    await this.s3.putObject(
      bucket,
      key,
      Readable.from([Buffer.from(`${JSON.stringify(line)}\n`)]),
      { metadata: {}, contentType: 'application/jsonlines' },
      { announced: new Set(), values: () => ({}) },
    );
    return key;
  }
}
