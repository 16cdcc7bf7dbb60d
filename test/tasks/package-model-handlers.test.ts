/**
 * The packaging handlers with the real S3 client, whose `send` aws-sdk-client-mock replaces: what they read
 * and write, the idempotent second run, and how bad input and SDK errors come out.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../tasks/_shared/logger.ts';
import { handler as copyUncompressedModel } from '../../tasks/copy-uncompressed-model/handler.ts';
import { handler as packageModel } from '../../tasks/package-model/handler.ts';
import { handler as validatePackageInput } from '../../workflows/package-model/validate-input.ts';

const s3 = mockClient(S3Client);
const EXECUTION = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:PackageModel:run-1',
  name: 'run-1',
  startedAt: '2026-01-01T00:00:00Z',
};
const MODEL = Buffer.from('{"coefficients": [2, 3], "intercept": 1}');

const state = (input: Record<string, unknown>) => ({
  request: { format: 'tar.gz', ...input },
  execution: EXECUTION,
});

/** A GetObject body as the SDK returns it: a stream with transformToString. */
const body = (bytes: Buffer) =>
  Object.assign(Readable.from([bytes]), { transformToString: async () => bytes.toString() }) as never;
const noSuchKey = () =>
  Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $fault: 'client' });

/** S3 holds these source objects (and the manifests given); every other GetObject answers NoSuchKey. */
function sourcesAre(objects: Record<string, Buffer>, manifests: Record<string, Buffer> = {}) {
  s3.on(ListObjectsV2Command).resolves({
    Contents: Object.entries(objects).map(([Key, b]) => ({
      Key,
      Size: b.length,
      ETag: `"etag-${Key}"`,
      LastModified: new Date(0),
    })),
  });
  const readable = { ...objects, ...manifests };
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const found = readable[input.Key];
    if (found === undefined) throw noSuchKey();
    return { Body: body(found) };
  });
}

/** What the handler put, by key. */
const putKeys = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
const putBody = (key: string) =>
  (
    s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === key)?.args[0]
      .input as PutObjectCommandInput
  )?.Body;

beforeAll(() => {
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3.reset();
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('ARTIFACT_BUCKET_NAME', 'artifacts');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('ValidatePackageInput handler', () => {
  it('returns the state document with defaults applied', async () => {
    const result = await validatePackageInput({
      input: { source: 's3://models/linear', framework: 'custom' },
      execution: EXECUTION,
    });

    expect(result).toEqual({
      request: { source: 's3://models/linear', framework: 'custom', format: 'tar.gz' },
      execution: EXECUTION,
    });
  });

  it('rejects a malformed input with InvalidInputError naming each field', async () => {
    const error = await validatePackageInput({
      input: { source: 'models/linear', framework: 'onnx' },
      execution: EXECUTION,
    }).catch((e: unknown) => e);

    expect((error as Error).name).toBe('InvalidInputError');
    expect((error as Error).message).toContain('source: expected an S3 prefix such as s3://my-bucket/models/churn/');
    expect((error as Error).message).toContain('framework: Invalid option');
  });

  it('accepts the example input in examples/inputs/package-model.json', async () => {
    const input = JSON.parse(
      readFileSync(new URL('../../examples/inputs/package-model.json', import.meta.url), 'utf8'),
    );

    const result = await validatePackageInput({ input, execution: EXECUTION });

    expect(result.request).toEqual({ ...input, format: 'tar.gz' });
  });

  it('rejects a compression level for the uncompressed format', async () => {
    const error = await validatePackageInput({
      input: { source: 's3://models/linear', framework: 'custom', format: 'uncompressed', compressionLevel: 9 },
      execution: EXECUTION,
    }).catch((e: unknown) => e);

    expect((error as Error).message).toBe(
      'Invalid PackageModel input: compressionLevel: compressionLevel applies to the tar.gz format only',
    );
  });
});

describe('PackageModel handler', () => {
  it('uploads model.tar.gz to the artifact bucket by default, then the manifest', async () => {
    sourcesAre({ 'linear/weights.json': MODEL });
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });

    const result = await packageModel(state({ source: 's3://models/linear', framework: 'custom' }));

    const archiveKey = /^s3:\/\/artifacts\/(packages\/custom-[0-9a-f]{10}\/model\.tar\.gz)$/.exec(
      result.packaged?.modelDataUrl ?? '',
    )?.[1];
    expect(archiveKey).toBeDefined();
    expect(putKeys()).toEqual([archiveKey, archiveKey?.replace('model.tar.gz', 'smwf-package.json')]);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'artifacts',
      ContentType: 'application/gzip',
    });
    expect(result.packaged).toMatchObject({ fileCount: 1, reused: false, format: 'tar.gz' });
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: 'models',
      Prefix: 'linear/',
    });
  });

  it('finds the package of an earlier run and uploads nothing', async () => {
    sourcesAre({ 'linear/weights.json': MODEL });
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    const first = await packageModel(state({ source: 's3://models/linear', framework: 'custom' }));
    const manifestKey = (first.packaged?.manifestUrl ?? '').replace('s3://artifacts/', '');
    const manifest = Buffer.from(String(putBody(manifestKey)));
    s3.reset();
    sourcesAre({ 'linear/weights.json': MODEL }, { [manifestKey]: manifest });

    const second = await packageModel(state({ source: 's3://models/linear', framework: 'custom' }));

    expect(second.packaged).toEqual({ ...first.packaged, reused: true });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('reads each source only in the version it listed (If-Match on the listed ETag)', async () => {
    sourcesAre({ 'linear/weights.json': MODEL });
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });

    await packageModel(state({ source: 's3://models/linear', framework: 'custom' }));

    const sourceRead = s3
      .commandCalls(GetObjectCommand)
      .find((call) => call.args[0].input.Key === 'linear/weights.json');
    expect(sourceRead?.args[0].input.IfMatch).toBe('"etag-linear/weights.json"');
  });

  it('fails with ModelSourceChangedError when S3 answers PreconditionFailed for a rewritten source', async () => {
    sourcesAre({ 'linear/weights.json': MODEL });
    s3.on(GetObjectCommand, { Key: 'linear/weights.json' }).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $fault: 'client',
      }),
    );

    const error = await packageModel(state({ source: 's3://models/linear', framework: 'custom' })).catch(
      (e: unknown) => e,
    );

    expect((error as Error).name).toBe('ModelSourceChangedError');
    expect((error as Error).message).toBe(
      's3://models/linear/weights.json changed since it was listed (ETag etag-linear/weights.json)',
    );
  });

  it('fails with ModelLayoutError for an XGBoost source without xgboost-model', async () => {
    sourcesAre({ 'linear/weights.json': MODEL });

    const error = await packageModel(state({ source: 's3://models/linear/', framework: 'xgboost' })).catch(
      (e: unknown) => e,
    );

    expect((error as Error).name).toBe('ModelLayoutError');
    expect((error as Error).message).toBe(
      'The xgboost layout of s3://models/linear/ is not valid: missing: xgboost-model',
    );
    expect(putKeys()).toEqual([]);
  });

  it('rethrows S3 errors unchanged', async () => {
    s3.on(ListObjectsV2Command).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client' }),
    );

    const error = await packageModel(state({ source: 's3://models/linear/', framework: 'custom' })).catch(
      (e: unknown) => e,
    );

    expect((error as Error).name).toBe('AccessDenied');
  });

  it('rejects a state document without a request, naming the field', async () => {
    const error = await packageModel({ execution: EXECUTION }).catch((e: unknown) => e);

    expect((error as Error).name).toBe('InvalidInputError');
    expect((error as Error).message).toContain('PackageModel input: request:');
  });
});

describe('CopyUncompressedModel handler', () => {
  it('copies each file with CopyObject, URL-encoding the copy source', async () => {
    sourcesAre({
      'hf/config.json': Buffer.from('{}'),
      'hf/model.safetensors': Buffer.from('w'),
      'hf/special tokens.json': Buffer.from('{}'),
    });
    s3.on(CopyObjectCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});

    const result = await copyUncompressedModel(
      state({ source: 's3://models/hf/', framework: 'huggingface', format: 'uncompressed', output: 's3://out/p/' }),
    );

    const prefix = (result.packaged?.modelDataSource?.s3Uri ?? '').replace('s3://out/', '');
    expect(prefix).toMatch(/^p\/huggingface-[0-9a-f]{10}\/model\/$/);
    expect(
      s3
        .commandCalls(CopyObjectCommand)
        .map((c) => c.args[0].input)
        .sort((a, b) => String(a.Key).localeCompare(String(b.Key))),
    ).toEqual([
      { Bucket: 'out', Key: `${prefix}config.json`, CopySource: 'models/hf/config.json' },
      { Bucket: 'out', Key: `${prefix}model.safetensors`, CopySource: 'models/hf/model.safetensors' },
      { Bucket: 'out', Key: `${prefix}special tokens.json`, CopySource: 'models/hf/special%20tokens.json' },
    ]);
    expect(putKeys()).toEqual([prefix.replace('model/', 'smwf-package.json')]);
  });

  it('copies an object above 5 GiB in 512 MiB parts, since CopyObject cannot', async () => {
    const size = 6 * 1024 ** 3;
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: 'big/weights.bin', Size: size, ETag: '"e"', LastModified: new Date(0) }],
    });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({
      CopyPartResult: { ETag: `"part-${input.PartNumber}"` },
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});

    await copyUncompressedModel(state({ source: 's3://models/big/', framework: 'custom', format: 'uncompressed' }));

    const ranges = s3.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input.CopySourceRange);
    expect(ranges).toHaveLength(12);
    expect(ranges[0]).toBe('bytes=0-536870911');
    expect(ranges.at(-1)).toBe(`bytes=${size - 512 * 1024 ** 2}-${size - 1}`);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts).toHaveLength(12);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });
});
