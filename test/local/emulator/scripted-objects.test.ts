/**
 * The scripted SageMaker's S3 (the emulator's own S3 in process), through the AWS SDK's S3 client bound to the
 * double: S3's conditional writes, listings and deletes as the emulator's S3 answers them, every bucket there, the
 * refusal of what it does not emulate, and nothing left on disk after restore.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedSageMaker } from '../../../local/emulator/scripted/scripted-sagemaker.ts';
import { errorOf } from './helpers.ts';

const BUCKET = 'artifacts';

describe('the scripted S3 objects', () => {
  let aws: ScriptedSageMaker;
  let s3: S3Client;

  const text = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString();

  beforeEach(() => {
    aws = new ScriptedSageMaker();
    aws.install();
    s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  });

  afterEach(() => {
    aws.restore();
  });

  it('creates with If-None-Match: * only while the key is free, and answers 412 PreconditionFailed after', async () => {
    const created = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'first', IfNoneMatch: '*' }));
    const refused = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'second', IfNoneMatch: '*' })),
    );

    expect(created.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(refused.name).toBe('PreconditionFailed');
    expect(refused.$metadata?.httpStatusCode).toBe(412);
    expect(await text('k')).toBe('first');
  });

  it('replaces with If-Match only the version of that ETag: a stale ETag is 412, a missing key 404 NoSuchKey', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v1' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v2', IfMatch: first.ETag }));
    const stale = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v3', IfMatch: first.ETag })),
    );
    const missing = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'none', Body: 'v1', IfMatch: first.ETag })),
    );

    expect(second.ETag).not.toBe(first.ETag);
    expect(stale.name).toBe('PreconditionFailed');
    expect(missing.name).toBe('NoSuchKey');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    expect(await text('cas')).toBe('v2');
    expect(aws.objects.get(BUCKET, 'cas')?.etag).toBe(second.ETag);
  });

  it('gives back an object of several MiB byte for byte, sent as a buffer or as a stream, and its size on HEAD', async () => {
    // More than the S3Store's two 1 MiB send buffers, which it reads each next part into once the last was taken.
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big.bin', Body: bytes }));
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'streamed.bin',
        Body: Readable.from([bytes]),
        ContentLength: bytes.length,
      }),
    );

    for (const key of ['big.bin', 'streamed.bin']) {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(bytes)).toBe(true);
      expect(head.ContentLength).toBe(bytes.length);
    }
  });

  it('answers GetObject of no object with NoSuchKey', async () => {
    const error = await errorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'absent' })));

    expect(error.name).toBe('NoSuchKey');
  });

  it("lists a prefix and deletes, as the emulator's S3 does, in any bucket (each exists)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'other-bucket', Key: 'in/a.csv', Body: '1' }));
    await s3.send(new PutObjectCommand({ Bucket: 'other-bucket', Key: 'in/b.csv', Body: '2' }));
    await s3.send(new PutObjectCommand({ Bucket: 'other-bucket', Key: 'out/a.csv.out', Body: '3' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'other-bucket', Key: 'in/b.csv' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'other-bucket', Prefix: 'in/' }));

    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(['in/a.csv']);
    expect(aws.objects.keys()).toEqual(['other-bucket/in/a.csv', 'other-bucket/out/a.csv.out']);
  });

  it('refuses an operation or a condition the emulator does not emulate with 501 NotImplemented, writing nothing', async () => {
    const operation = await errorOf(s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET })));
    const condition = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x', IfNoneMatch: '"abc"' })),
    );

    for (const error of [operation, condition]) {
      expect(error.name).toBe('NotImplemented');
      expect(error.$metadata?.httpStatusCode).toBe(501);
    }
    expect(condition.message).toContain('If-None-Match');
    expect(aws.objects.get(BUCKET, 'k')).toBeUndefined();
  });

  it('removes its objects from disk when restored', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }));
    const folder = aws.objects.root;
    expect(existsSync(folder)).toBe(true);

    aws.restore();

    expect(existsSync(folder)).toBe(false);
    expect(aws.objects.keys()).toEqual([]);
  });
});
