/** The example artifacts the emulator `smwf run` starts puts in place, so that every example input runs as it is. */
import { cpSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXAMPLE_ARTIFACTS,
  EXAMPLE_BUCKETS,
  exampleBucketsNamedBy,
  putExampleArtifacts,
} from '../../examples/example-artifacts.ts';
import { exampleModelFolder, packModelDirectory } from '../../examples/example-models.ts';
import { type Emulator, startEmulator } from '../../local/emulator/index.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';

let emulator: Emulator;
let stateDir: string;
let s3: S3Client;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'smwf-example-artifacts-'));
  emulator = await startEmulator({ stateDir });
  s3 = new S3Client({
    endpoint: emulator.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  await emulator?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const text = async (uri: string) => {
  const [bucket, ...key] = uri.slice('s3://'.length).split('/');
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key.join('/') }));
  return Buffer.from(await (out.Body?.transformToByteArray() ?? new Uint8Array()));
};

describe('example artifacts', () => {
  it('are named by the example inputs: every example bucket is one an example input names', () => {
    const named = new Set(WORKFLOWS.flatMap((w) => exampleBucketsNamedBy(w.example)));

    expect([...named].sort()).toEqual([...EXAMPLE_BUCKETS].sort());
    expect(exampleBucketsNamedBy({ a: ['s3://scoring/in/'], b: { c: 's3://elsewhere/x' } })).toEqual(['scoring']);
  });

  it('are put in place once: missing ones are put, an object already there is left as it is', async () => {
    const first = await putExampleArtifacts(s3, ['my-models', 'scoring']);
    const mine = Buffer.from('c-1,5,6\n');
    await s3.send(new PutObjectCommand({ Bucket: 'scoring', Key: 'in/2026/11/25/customers.csv', Body: mine }));

    const again = await putExampleArtifacts(s3, ['my-models', 'scoring']);

    expect(first.map((a) => a.uri)).toEqual([
      's3://my-models/churn/2026-11-25.1/weights.json',
      's3://scoring/in/2026/11/25/customers.csv',
    ]);
    expect(again).toEqual([]);
    expect(await text('s3://scoring/in/2026/11/25/customers.csv')).toEqual(mine);
    expect(EXAMPLE_ARTIFACTS.filter((a) => a.uri.startsWith('s3://my-model-artifacts/'))).toHaveLength(7);
  });

  it('pack a model folder to the same bytes whatever the files’ times, so their ETags and derived names hold', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'smwf-pack-'));
    try {
      cpSync(exampleModelFolder('linear-v2'), copy, { recursive: true });
      utimesSync(join(copy, 'weights.json'), new Date('2030-01-01'), new Date('2030-01-01'));

      expect(await packModelDirectory(copy)).toEqual(await packModelDirectory(exampleModelFolder('linear-v2')));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
