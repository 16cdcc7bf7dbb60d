import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, errorOf, startTestEmulator } from './helpers.ts';

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

describe('emulated S3', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let s3: S3Client;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    ({ s3 } = clients(emulator.url));
    await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('stores a 20 MB multipart upload (lib-storage, default checksums) byte for byte', async () => {
    const body = randomBytes(20 * 1024 * 1024);

    const result = await new Upload({ client: s3, params: { Bucket: 'data', Key: 'big/blob.bin', Body: body } }).done();
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'big/blob.bin' }));
    const bytes = await got.Body?.transformToByteArray();

    expect(result.ETag).toMatch(/^"[0-9a-f]{32}-4"$/);
    expect(bytes?.length).toBe(body.length);
    expect(md5(bytes as Uint8Array)).toBe(md5(body));
  });

  it('decodes an aws-chunked streaming PutObject with a trailing checksum', async () => {
    const body = randomBytes(300 * 1024);

    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'streamed.bin',
        Body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]),
        ContentLength: body.length,
        ContentType: 'application/x-test',
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'streamed.bin' }));
    const bytes = await got.Body?.transformToByteArray();

    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(got.ContentType).toBe('application/x-test');
    expect(got.ContentEncoding).toBeUndefined();
    expect(md5(bytes as Uint8Array)).toBe(md5(body));
  });

  it('decodes signed aws-chunked bodies and refuses ones shorter than x-amz-decoded-content-length', async () => {
    const put = (decodedLength: number) =>
      fetch(`${emulator.url}/data/signed.txt`, {
        method: 'PUT',
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
          'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          'content-encoding': 'aws-chunked',
          'x-amz-decoded-content-length': String(decodedLength),
        },
        body: '5;chunk-signature=aaaa\r\nhello\r\n0;chunk-signature=bbbb\r\n\r\n',
      });

    const ok = await put(5);
    const short = await put(6);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'signed.txt' }));

    expect(ok.status).toBe(200);
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('<Code>IncompleteBody</Code>');
    expect(await got.Body?.transformToString()).toBe('hello');
  });

  it('serves ranges, metadata, copies and listings like S3', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'data', Key: 'dir/a.txt', Body: 'hello world', Metadata: { owner: 'team' } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'dir/sub/b.txt', Body: 'b' }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'dir/c.txt', Body: 'c' }));

    const range = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'dir/a.txt', Range: 'bytes=6-10' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'dir/a.txt' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'copy/a.txt', CopySource: 'data/dir/a.txt' }));
    const copied = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'copy/a.txt' }));
    const grouped = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'dir/', Delimiter: '/' }));
    const page1 = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'dir/', MaxKeys: 2 }));
    const page2 = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'data',
        Prefix: 'dir/',
        MaxKeys: 2,
        ContinuationToken: page1.NextContinuationToken,
      }),
    );

    expect(await range.Body?.transformToString()).toBe('world');
    expect(range.ContentRange).toBe('bytes 6-10/11');
    expect(head.ContentLength).toBe(11);
    expect(head.Metadata).toEqual({ owner: 'team' });
    expect(await copied.Body?.transformToString()).toBe('hello world');
    expect(copied.Metadata).toEqual({ owner: 'team' });
    expect(grouped.Contents?.map((o) => o.Key)).toEqual(['dir/a.txt', 'dir/c.txt']);
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/sub/']);
    expect(page1.Contents?.map((o) => o.Key)).toEqual(['dir/a.txt', 'dir/c.txt']);
    expect(page1.IsTruncated).toBe(true);
    expect(page2.Contents?.map((o) => o.Key)).toEqual(['dir/sub/b.txt']);
    expect(page2.IsTruncated).toBe(false);
  });

  it('answers NoSuchKey, NoSuchBucket and deletes in batches', async () => {
    const noKey = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'missing' })));
    const noBucket = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'x' })));
    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'data', Delete: { Objects: [{ Key: 'dir/c.txt' }, { Key: 'copy/a.txt' }] } }),
    );
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'dir/c' }));

    expect(noKey.name).toBe('NoSuchKey');
    expect(noKey.message).toBe('The specified key does not exist.');
    expect(noKey.$metadata?.httpStatusCode).toBe(404);
    expect(noBucket.name).toBe('NoSuchBucket');
    expect(deleted.Deleted?.map((d) => d.Key)).toEqual(['dir/c.txt', 'copy/a.txt']);
    expect(after.KeyCount).toBe(0);
  });

  it('enforces multipart rules: parts under 5 MiB except the last, and aborted uploads are gone', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'small-parts' }));
    const part1 = await s3.send(
      new UploadPartCommand({ Bucket: 'data', Key: 'small-parts', UploadId, PartNumber: 1, Body: Buffer.alloc(1024) }),
    );
    const part2 = await s3.send(
      new UploadPartCommand({ Bucket: 'data', Key: 'small-parts', UploadId, PartNumber: 2, Body: Buffer.alloc(10) }),
    );

    const tooSmall = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'data',
          Key: 'small-parts',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: part1.ETag },
              { PartNumber: 2, ETag: part2.ETag },
            ],
          },
        }),
      ),
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'data', Key: 'small-parts', UploadId }));
    const afterAbort = await errorOf(
      s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'small-parts', UploadId, PartNumber: 3, Body: 'x' })),
    );
    const buckets = await s3.send(new ListBucketsCommand({}));

    expect(tooSmall.name).toBe('EntityTooSmall');
    expect(afterAbort.name).toBe('NoSuchUpload');
    expect(buckets.Buckets?.map((b) => b.Name)).toContain('data');
  });

  it('keeps a completed multipart object in its parts: ranges across parts, reads through an overwrite, a restart', async () => {
    const MIB = 1024 * 1024;
    const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(3 * MIB), randomBytes(7)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'in-parts' }));
    const sent: CompletedPart[] = [];
    for (const [index, body] of parts.entries()) {
      const out = await s3.send(
        new UploadPartCommand({ Bucket: 'data', Key: 'in-parts', UploadId, PartNumber: index + 1, Body: body }),
      );
      sent.push({ PartNumber: index + 1, ETag: out.ETag });
    }
    // Part 3 is uploaded but left out of the object, as a client may: S3 discards it.
    const listed = [0, 1, 3].map((index) => sent[index] as CompletedPart);
    const expected = Buffer.concat([parts[0], parts[1], parts[3]] as Buffer[]);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'data',
        Key: 'in-parts',
        UploadId,
        MultipartUpload: { Parts: listed },
      }),
    );
    const bytes = async (range?: string, key = 'in-parts') => {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: key, Range: range }));
      return Buffer.from((await got.Body?.transformToByteArray()) as Uint8Array);
    };

    const full = await bytes();
    const acrossParts = await bytes(`bytes=${5 * MIB - 10}-${10 * MIB + 3}`);
    const lastBytes = await bytes('bytes=-9');
    await s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'copy-of-parts', CopySource: 'data/in-parts' }));
    const copied = await bytes(undefined, 'copy-of-parts');
    // A read under way when the key is written again still gets the bytes it started with.
    const reading = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'in-parts' }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'in-parts', Body: 'replaced' }));
    const readThrough = Buffer.from((await reading.Body?.transformToByteArray()) as Uint8Array);
    const replaced = await bytes();

    expect(md5(full)).toBe(md5(expected));
    expect(full.length).toBe(10 * MIB + 7);
    expect(acrossParts.equals(expected.subarray(5 * MIB - 10, 10 * MIB + 4))).toBe(true);
    expect(lastBytes.equals(expected.subarray(expected.length - 9))).toBe(true);
    expect(md5(readThrough)).toBe(md5(expected));
    expect(replaced.toString()).toBe('replaced');
    expect(md5(copied)).toBe(md5(expected));
  });

  it('serves a multipart object after a restart, and removes its parts once it is replaced', async () => {
    const MIB = 1024 * 1024;
    const restartable = await startTestEmulator();
    const { s3: client } = clients(restartable.url);
    await client.send(new CreateBucketCommand({ Bucket: 'kept' }));
    const body = randomBytes(11 * MIB);
    await new Upload({ client, params: { Bucket: 'kept', Key: 'blob', Body: body }, partSize: 5 * MIB }).done();
    await restartable.stop();
    const objects = join(restartable.stateDir, 's3', 'kept', 'objects');

    const again = await startTestEmulator({ stateDir: restartable.stateDir });
    try {
      const { s3: after } = clients(again.url);
      const got = await after.send(new GetObjectCommand({ Bucket: 'kept', Key: 'blob' }));
      const bytes = (await got.Body?.transformToByteArray()) as Uint8Array;
      await after.send(new PutObjectCommand({ Bucket: 'kept', Key: 'blob', Body: 'small now' }));
      const folders = readdirSync(objects).filter((name) => name.endsWith('.parts'));

      expect(md5(bytes)).toBe(md5(body));
      expect(folders).toEqual([]);
    } finally {
      await again.stop();
    }
  });

  it('goes on serving when a client leaves in the middle of a GetObject, and frees what that read held', async () => {
    const MIB = 1024 * 1024;
    const body = randomBytes(12 * MIB);
    await new Upload({ client: s3, params: { Bucket: 'data', Key: 'left', Body: body }, partSize: 5 * MIB }).done();
    const objects = join(emulator.stateDir, 's3', 'data', 'objects');
    const folderOfLeft = createHash('sha256').update('left').digest('hex');

    // A reader that takes the first bytes of the 12 MiB and goes away.
    const firstBytes = await new Promise<number>((resolve, reject) => {
      const request = get(`${emulator.url}/data/left`, (response) => {
        response.once('data', (chunk: Buffer) => {
          request.destroy();
          resolve(chunk.length);
        });
      });
      request.on('error', (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
      });
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'left' }));
    const whole = (await got.Body?.transformToByteArray()) as Uint8Array;
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'left', Body: 'small now' }));
    const folders = () =>
      readdirSync(objects).filter((name) => name.startsWith(folderOfLeft) && name.endsWith('.parts'));

    expect(firstBytes).toBeGreaterThan(0);
    expect(md5(whole)).toBe(md5(body));
    // The parts' folder goes once no read holds it: the abandoned one let go of it too.
    await expect.poll(folders).toEqual([]);
  });
});
