/**
 * PackageModel end to end: the synthesized definition, the local runner and the real handlers against the
 * emulator's S3; the archive checked with GNU tar, Python's tarfile and the emulator's own extraction, and
 * served by a real model process after DeployEndpoint.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeModelCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackagedModel } from '../../contracts/parts/packaging.ts';
import { prepareModelDir } from '../../local/emulator/hosting/artifacts.ts';
import { S3Store } from '../../local/emulator/s3/store.ts';
import { PART_SIZE_BYTES } from '../../tasks/package-model/archive-upload.ts';
import { DEFAULT_BLOCK_BYTES } from '../../tasks/package-model/parallel-gzip.ts';
import { deploy, deployInput, type Harness, IMAGE, predict, resourcesOf, startHarness } from './harness.ts';

const BUCKET = 'e2e-models';
let h: Harness;
let s3: S3Client;
let scratch: string;

const weights = readFileSync(new URL('../../examples/models/linear-v1/weights.json', import.meta.url));

async function putObjects(prefix: string, files: Record<string, string | Buffer>) {
  for (const [name, body] of Object.entries(files)) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}${name}`, Body: body }));
  }
}

async function download(url: string): Promise<Buffer> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(url) ?? [];
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/** What GNU tar lists in the archive at `url`. */
async function gnuTarList(url: string): Promise<string[]> {
  const file = join(scratch, `${createHash('sha256').update(url).digest('hex')}.tar.gz`);
  writeFileSync(file, await download(url));
  return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n').sort();
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Every file under `dir`, by its path relative to `dir`, with the SHA-256 of its bytes (a deep comparison of
 * megabytes of Buffers, element by element, would take minutes).
 */
function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), sha256(readFileSync(path)));
  }
  return files;
}

/** A new empty folder under the scratch folder. */
function folder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function packageModel(input: unknown) {
  return h.runner.start('PackageModel', input).result;
}

beforeAll(async () => {
  h = await startHarness();
  s3 = new S3Client({ forcePathStyle: true });
  scratch = mkdtempSync(join(tmpdir(), 'smwf-package-e2e-'));
  await putObjects('sources/linear-v1/', { 'weights.json': weights });
});

afterAll(async () => {
  await h?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('PackageModel on the local emulator', () => {
  it('packages a custom model that GNU tar lists and DeployEndpoint serves', async () => {
    const result = await packageModel({
      source: `s3://${BUCKET}/sources/linear-v1`,
      framework: 'custom',
      output: `s3://${BUCKET}/packages/`,
    });

    expect(result.status).toBe('SUCCEEDED');
    const packaged = result.output as PackagedModel;
    expect(packaged).toMatchObject({ format: 'tar.gz', fileCount: 1, reused: false });
    expect(packaged.modelDataUrl).toMatch(/^s3:\/\/e2e-models\/packages\/custom-[0-9a-f]{10}\/model\.tar\.gz$/);
    const archive = await download(packaged.modelDataUrl ?? '');
    expect(packaged.sha256).toBe(createHash('sha256').update(archive).digest('hex'));
    expect(packaged.sizeBytes).toBe(archive.length);
    expect(await gnuTarList(packaged.modelDataUrl ?? '')).toEqual(['weights.json']);

    const deployed = await deploy(h, deployInput('e2e-packaged', packaged.modelDataUrl ?? ''));
    expect(deployed.status).toBe('SUCCEEDED');
    expect(await predict(h, 'e2e-packaged')).toBe('{"predictions":[9]}');
  });

  it('packages files of many sizes, empty ones and ones larger than a gzip block and an upload part, so that GNU tar, Python tarfile and the emulator extract them byte for byte', async () => {
    const text = (bytes: number) =>
      Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(bytes / 44 + 1)).subarray(0, bytes);
    const files: Record<string, Buffer> = {
      'config.json': Buffer.from('{"architectures": ["Linear"]}'),
      'empty.txt': Buffer.alloc(0),
      'tokenizer/empty-too.json': Buffer.alloc(0),
      'tokenizer/vocab-511.txt': text(511),
      'tokenizer/vocab-512.txt': text(512),
      'tokenizer/vocab-513.txt': text(513),
      'tokenizer/merges.txt': text(100_000),
      // Larger than a gzip block: its bytes are deflated by several workers.
      'weights/model-00001-of-00002.bin': randomBytes(3 * DEFAULT_BLOCK_BYTES + 17),
      // Makes the archive larger than an upload part: a multipart upload.
      'weights/model-00002-of-00002.bin': randomBytes(PART_SIZE_BYTES + 4321),
    };
    await putObjects('sources/many-sizes/', files);

    const result = await packageModel({
      source: `s3://${BUCKET}/sources/many-sizes/`,
      framework: 'custom',
      output: `s3://${BUCKET}/packages/`,
    });

    expect(result.status).toBe('SUCCEEDED');
    const packaged = result.output as PackagedModel;
    expect(packaged.fileCount).toBe(Object.keys(files).length);
    const archive = await download(packaged.modelDataUrl ?? '');
    expect(packaged.sha256).toBe(createHash('sha256').update(archive).digest('hex'));
    expect(archive.length).toBeGreaterThan(PART_SIZE_BYTES);
    const archiveFile = join(scratch, 'many-sizes.tar.gz');
    writeFileSync(archiveFile, archive);
    const expected = new Map(Object.entries(files).map(([path, bytes]) => [path, sha256(bytes)]));

    const byGnuTar = folder('many-sizes-gnu-tar');
    execFileSync('tar', ['-xzf', archiveFile, '-C', byGnuTar]);
    expect(filesUnder(byGnuTar)).toEqual(expected);

    const byPython = folder('many-sizes-python');
    execFileSync('python3', [
      '-c',
      "import sys, tarfile; tarfile.open(sys.argv[1], 'r:gz').extractall(sys.argv[2], filter='data')",
      archiveFile,
      byPython,
    ]);
    expect(filesUnder(byPython)).toEqual(expected);

    // The emulator's extraction, as it prepares /opt/ml/model for a container.
    const store = new S3Store(folder('many-sizes-s3'));
    await store.load();
    await store.createBucket('extract', 'us-east-1');
    await store.putObject(
      'extract',
      'model.tar.gz',
      Readable.from([archive]),
      { metadata: {} },
      {
        announced: new Set(),
        values: () => ({}),
      },
    );
    const byEmulator = folder('many-sizes-emulator');
    await prepareModelDir(
      store,
      { s3Uri: 's3://extract/model.tar.gz', dataType: 'S3Object', compression: 'Gzip' },
      byEmulator,
      'container-1',
    );
    expect(filesUnder(byEmulator)).toEqual(expected);
  });

  it('returns the existing archive on a second run with the same sources, without uploading again', async () => {
    const input = { source: `s3://${BUCKET}/sources/linear-v1/`, framework: 'custom', output: `s3://${BUCKET}/again` };
    const first = (await packageModel(input)).output as PackagedModel;
    const [, , key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(first.modelDataUrl ?? '') ?? [];
    const before = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));

    const second = await packageModel(input);

    expect(second.status).toBe('SUCCEEDED');
    expect(second.output).toEqual({ ...first, reused: true });
    const after = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(after.LastModified).toEqual(before.LastModified);
    expect(after.ETag).toBe(before.ETag);
  });

  it('builds a PyTorch archive with the code prefix under code/', async () => {
    await putObjects('sources/torch/', { 'model.pth': 'weights', 'extra/vocab.txt': 'a b c' });
    await putObjects('sources/torch-code/', { 'inference.py': 'def model_fn(d): pass\n', 'requirements.txt': '' });

    const result = await packageModel({
      source: `s3://${BUCKET}/sources/torch/`,
      code: `s3://${BUCKET}/sources/torch-code/`,
      framework: 'pytorch',
      output: `s3://${BUCKET}/packages/`,
      compressionLevel: 9,
    });

    expect(result.status).toBe('SUCCEEDED');
    const packaged = result.output as PackagedModel;
    expect(packaged.fileCount).toBe(4);
    expect(await gnuTarList(packaged.modelDataUrl ?? '')).toEqual([
      'code/inference.py',
      'code/requirements.txt',
      'extra/vocab.txt',
      'model.pth',
    ]);
  });

  it('fails with ModelLayoutError listing what the framework misses, and writes nothing', async () => {
    const result = await packageModel({
      source: `s3://${BUCKET}/sources/linear-v1/`,
      framework: 'sklearn',
      output: `s3://${BUCKET}/rejected/`,
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ModelLayoutError');
    expect(result.cause).toContain(
      'The sklearn layout of s3://e2e-models/sources/linear-v1/ is not valid: missing: model.joblib',
    );
    const written = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'rejected/' }));
    expect(written.KeyCount ?? 0).toBe(0);
  });

  it('rejects a malformed input at the first state, naming the field', async () => {
    const result = await packageModel({ source: 'not-s3', framework: 'caffe' });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInputError');
    expect(result.cause).toContain('source: expected an S3 prefix');
    expect(result.cause).toContain('framework:');
  });

  it('copies the files uncompressed into a versioned prefix and returns a ModelDataSource', async () => {
    const result = await packageModel({
      source: `s3://${BUCKET}/sources/linear-v1/`,
      framework: 'custom',
      output: `s3://${BUCKET}/uncompressed/`,
      format: 'uncompressed',
    });

    expect(result.status).toBe('SUCCEEDED');
    const packaged = result.output as PackagedModel;
    expect(packaged.modelDataSource).toEqual({
      s3Uri: expect.stringMatching(/^s3:\/\/e2e-models\/uncompressed\/custom-[0-9a-f]{10}\/model\/$/),
      s3DataType: 'S3Prefix',
      compressionType: 'None',
    });
    expect(packaged).toMatchObject({ fileCount: 1, sizeBytes: weights.length, reused: false });
    expect(await download(`${packaged.modelDataSource?.s3Uri}weights.json`)).toEqual(weights);
  });

  it('deploys the uncompressed format through ModelDataSource', async () => {
    const packaged = (
      await packageModel({
        source: `s3://${BUCKET}/sources/linear-v1/`,
        framework: 'custom',
        output: `s3://${BUCKET}/uncompressed/`,
        format: 'uncompressed',
      })
    ).output as PackagedModel;

    const deployed = await deploy(
      h,
      deployInput('e2e-uncompressed', '', {
        model: { image: IMAGE, modelDataSource: { s3Uri: packaged.modelDataSource?.s3Uri } },
      }),
    );

    expect(deployed.status).toBe('SUCCEEDED');
    expect(await predict(h, 'e2e-uncompressed')).toBe('{"predictions":[9]}');
  });
});

describe('DeployEndpoint from source on the local emulator', () => {
  it('packages the model as its first step, then creates the model from the archive and serves it', async () => {
    const source = {
      source: `s3://${BUCKET}/sources/linear-v1/`,
      framework: 'custom',
      output: `s3://${BUCKET}/deploy/`,
    };

    const deployed = await deploy(h, deployInput('e2e-from-source', '', { model: { image: IMAGE, package: source } }));

    expect(deployed.status).toBe('SUCCEEDED');
    expect(await predict(h, 'e2e-from-source')).toBe('{"predictions":[9]}');
    const [modelName] = (await resourcesOf(h, 'e2e-from-source')).models;
    const model = await h.sagemaker.send(new DescribeModelCommand({ ModelName: modelName }));
    expect(model.PrimaryContainer?.ModelDataUrl).toMatch(
      /^s3:\/\/e2e-models\/deploy\/custom-[0-9a-f]{10}\/model\.tar\.gz$/,
    );
  });

  it('fails before creating anything when the source does not follow the framework layout', async () => {
    const source = {
      source: `s3://${BUCKET}/sources/linear-v1/`,
      framework: 'xgboost',
      output: `s3://${BUCKET}/deploy/`,
    };

    const deployed = await deploy(h, deployInput('e2e-bad-layout', '', { model: { image: IMAGE, package: source } }));

    expect(deployed.status).toBe('FAILED');
    expect(deployed.error).toBe('ModelLayoutError');
    expect(deployed.cause).toContain('missing: xgboost-model');
    expect(await resourcesOf(h, 'e2e-bad-layout')).toEqual({ models: [], configs: [], endpoints: [] });
  });
});
