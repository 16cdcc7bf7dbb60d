/**
 * The emulator's S3 conditional writes (If-None-Match: *, If-Match: <ETag>) on PutObject and
 * CompleteMultipartUpload, the conflict of a write whose key changed while it was in progress, and the refusal of
 * every conditional header it does not evaluate.
 */
import { request } from 'node:http';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, errorOf, startTestEmulator } from './helpers.ts';

const BUCKET = 'conditional';

describe('emulated S3 conditional writes', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let s3: S3Client;

  const text = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString();

  beforeAll(async () => {
    emulator = await startTestEmulator();
    ({ s3 } = clients(emulator.url, 1));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('creates with If-None-Match: * only while the key is free, and answers 412 PreconditionFailed after', async () => {
    const created = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'free', Body: 'first', IfNoneMatch: '*' }),
    );
    const refused = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'free', Body: 'second', IfNoneMatch: '*' })),
    );

    expect(created.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(refused.name).toBe('PreconditionFailed');
    expect(refused.$metadata?.httpStatusCode).toBe(412);
    expect(await text('free')).toBe('first');
  });

  it('replaces with If-Match only the version of that ETag: a stale ETag is 412, a missing key 404 NoSuchKey', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v1' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v2', IfMatch: first.ETag }));
    const stale = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v3', IfMatch: first.ETag })),
    );
    const missing = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'never-written', Body: 'x', IfMatch: first.ETag })),
    );

    expect(second.ETag).not.toBe(first.ETag);
    expect(stale.name).toBe('PreconditionFailed');
    expect(missing.name).toBe('NoSuchKey');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    expect(await text('cas')).toBe('v2');
  });

  it('lets exactly one of many simultaneous If-None-Match: * writes of a key win', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'race', Body: `writer-${i}`, IfNoneMatch: '*' })),
      ),
    );

    const won = attempts.flatMap((a, i) => (a.status === 'fulfilled' ? [i] : []));
    const lost = attempts.flatMap((a) => (a.status === 'rejected' ? [(a.reason as Error).name] : []));
    expect(won).toHaveLength(1);
    expect(new Set(lost).size).toBeGreaterThan(0);
    for (const name of lost) expect(['PreconditionFailed', 'ConditionalRequestConflict']).toContain(name);
    expect(await text('race')).toBe(`writer-${won[0]}`);
  });

  it('fails a conditional write with 409 ConditionalRequestConflict when the key changed while it was uploading', async () => {
    const original = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'held', Body: 'original' }));
    const url = new URL(`/${BUCKET}/held`, emulator.url);
    const body = 'conditional';
    // The request's headers reach the emulator (and its condition is checked) before its body is sent.
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, {
        method: 'PUT',
        headers: { 'if-match': String(original.ETag), 'content-length': body.length, expect: '100-continue' },
      });
      req.on('continue', () => {
        void s3
          .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'held', Body: 'meanwhile' }))
          .then(() => req.end(body), reject);
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });

    const { status, text: xml } = await answer;
    expect(status).toBe(409);
    expect(xml).toContain('<Code>ConditionalRequestConflict</Code>');
    expect(await text('held')).toBe('meanwhile');
  });

  it('evaluates If-None-Match on CompleteMultipartUpload, when the upload completes', async () => {
    const complete = async (key: string) => {
      const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
      const part = await s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: upload.UploadId, PartNumber: 1, Body: 'parts' }),
      );
      return s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: upload.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
          IfNoneMatch: '*',
        }),
      );
    };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'taken', Body: 'kept' }));

    const created = await complete('multipart-free');
    const refused = await errorOf(complete('taken'));

    expect(created.ETag).toMatch(/-1"$/);
    expect(refused.name).toBe('PreconditionFailed');
    expect(await text('taken')).toBe('kept');
  });

  it('refuses, with 501 NotImplemented naming the header, every condition it does not evaluate', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: 'source' }));
    const refusals = await Promise.all([
      errorOf(
        s3.send(
          new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/source`, IfNoneMatch: '*' }),
        ),
      ),
      errorOf(
        s3.send(
          new CopyObjectCommand({
            Bucket: BUCKET,
            Key: 'copy',
            CopySource: `${BUCKET}/source`,
            CopySourceIfMatch: '"x"',
          }),
        ),
      ),
      errorOf(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'source', IfMatch: '"x"' }))),
      errorOf(
        s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'source', ETag: '"x"' }] } })),
      ),
      errorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'etag-none', Body: 'x', IfNoneMatch: '"abc"' }))),
      errorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'source', IfModifiedSince: new Date(0) }))),
    ]);

    for (const refusal of refusals) {
      expect(refusal.name).toBe('NotImplemented');
      expect(refusal.$metadata?.httpStatusCode).toBe(501);
    }
    expect(await text('source')).toBe('source');
  });
});
