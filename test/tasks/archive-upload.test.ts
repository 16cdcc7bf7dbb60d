/**
 * PackageModel's archive upload with the real S3 client, whose `send` aws-sdk-client-mock replaces: one PutObject
 * for a small archive, a multipart upload in numbered parts for a larger one, and an aborted upload that fails
 * with the original error when a part or the archive's own stream fails.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type UploadPartCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { s3ArchiveUpload } from '../../tasks/package-model/archive-upload.ts';

const s3 = mockClient(S3Client);
const LOCATION = { bucket: 'artifacts', key: 'packages/custom-0123456789/model.tar.gz' };
const PART_BYTES = 1000;

/** `bytes` bytes numbered 0-250 repeatedly, in chunks of `chunkBytes`. */
async function* archive(bytes: number, chunkBytes = 333): AsyncGenerator<Uint8Array> {
  const all = Uint8Array.from({ length: bytes }, (_, i) => i % 251);
  for (let offset = 0; offset < bytes; offset += chunkBytes) yield all.slice(offset, offset + chunkBytes);
}
const expected = (bytes: number) => Buffer.from(Uint8Array.from({ length: bytes }, (_, i) => i % 251));

/** The parts sent, in part number order, each as the bytes it carried at the time of the call. */
const sentParts: { partNumber: number; body: Buffer }[] = [];

beforeEach(() => {
  s3.reset();
  sentParts.length = 0;
  vi.stubEnv('AWS_REGION', 'us-east-1');
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3.on(UploadPartCommand).callsFake((input: UploadPartCommandInput) => {
    // Copied now: the uploader reuses its part buffers once a part is sent.
    sentParts.push({ partNumber: input.PartNumber as number, body: Buffer.from(input.Body as Uint8Array) });
    return { ETag: `"etag-${input.PartNumber}"`, ChecksumCRC32: `crc-${input.PartNumber}` };
  });
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
});

describe('s3ArchiveUpload', () => {
  it('puts an archive smaller than a part with one PutObject', async () => {
    await s3ArchiveUpload(new S3Client({}), PART_BYTES)(LOCATION, archive(999), 'application/gzip');

    const [put] = s3.commandCalls(PutObjectCommand);
    expect(put?.args[0].input).toMatchObject({
      Bucket: 'artifacts',
      Key: LOCATION.key,
      ContentType: 'application/gzip',
    });
    expect(Buffer.from(put?.args[0].input.Body as Uint8Array)).toEqual(expected(999));
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('uploads a larger archive in numbered parts with CRC-32 checksums, then completes them in order', async () => {
    await s3ArchiveUpload(new S3Client({}), PART_BYTES)(LOCATION, archive(4500), 'application/gzip');

    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'artifacts',
      Key: LOCATION.key,
      ContentType: 'application/gzip',
      ChecksumAlgorithm: 'CRC32',
    });
    const parts = [...sentParts].sort((a, b) => a.partNumber - b.partNumber);
    expect(parts.map((p) => [p.partNumber, p.body.length])).toEqual([
      [1, 1000],
      [2, 1000],
      [3, 1000],
      [4, 1000],
      [5, 500],
    ]);
    expect(Buffer.concat(parts.map((p) => p.body))).toEqual(expected(4500));
    expect(s3.commandCalls(UploadPartCommand).every((call) => call.args[0].input.ChecksumAlgorithm === 'CRC32')).toBe(
      true,
    );
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'artifacts',
      Key: LOCATION.key,
      UploadId: 'upload-1',
      MultipartUpload: {
        Parts: [1, 2, 3, 4, 5].map((n) => ({ PartNumber: n, ETag: `"etag-${n}"`, ChecksumCRC32: `crc-${n}` })),
      },
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('completes without an empty last part when the archive fills its parts exactly', async () => {
    await s3ArchiveUpload(new S3Client({}), PART_BYTES)(LOCATION, archive(3000, 1000), 'application/gzip');

    expect(sentParts.map((p) => p.body.length)).toEqual([1000, 1000, 1000]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts).toHaveLength(3);
  });

  it('aborts the upload and fails with the error of a part that S3 refused', async () => {
    s3.on(UploadPartCommand, { PartNumber: 2 }).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client' }),
    );

    const error = await s3ArchiveUpload(new S3Client({}), PART_BYTES)(
      LOCATION,
      archive(4500),
      'application/gzip',
    ).catch((e: unknown) => e);

    expect((error as Error).name).toBe('AccessDenied');
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'artifacts',
      Key: LOCATION.key,
      UploadId: 'upload-1',
    });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('aborts the upload and fails with the archive stream’s own error', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* archive(2500);
      throw Object.assign(new Error('s3://models/b.bin changed while it was packaged'), {
        name: 'ModelSourceChangedError',
      });
    }

    const error = await s3ArchiveUpload(new S3Client({}), PART_BYTES)(LOCATION, failing(), 'application/gzip').catch(
      (e: unknown) => e,
    );

    expect((error as Error).name).toBe('ModelSourceChangedError');
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});
