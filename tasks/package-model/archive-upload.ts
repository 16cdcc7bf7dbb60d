/**
 * Streaming the archive to S3: a multipart upload whose parts are gathered in a few part-sized buffers that are
 * used again and again, whatever the archive's size (or one PutObject when the archive is smaller than a part).
 *
 * Why not lib-storage's Upload: it concatenates the incoming chunks into a new buffer for every part. Those
 * buffers live as long as their part's request, long enough to count against the old generation of V8's heap,
 * which is tiny here, so every few MiB of archive cost a full garbage collection: on a 2-core machine that was a
 * fifth of the packaging's CPU time. Reused buffers cost nothing after the first few parts.
 */
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ObjectLocation } from '../_shared/artifact-store.ts';

/**
 * Part size of multipart uploads: 8 MiB x 10,000 parts covers archives up to 78 GiB, more than gzip can
 * produce within Lambda's 15 minutes, while keeping the upload's buffers small.
 */
export const PART_SIZE_BYTES = 8 * 1024 * 1024;
/** Parts sent at once; one more buffer is being filled meanwhile. */
const UPLOAD_QUEUE_SIZE = 2;

/**
 * Signs a part's request without its bytes (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, which S3 accepts for a payload
 * sent in one chunk: S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload in a
 * Single Chunk"), as the SDK itself does for the streams it uploads. Otherwise the SDK hashes every byte of the archive
 * with SHA-256 once more (the package's own digest is a first), on the cores gzip needs. The bytes stay checked: the
 * request carries their CRC-32 (x-amz-checksum-crc32), which S3 verifies, and travels over TLS.
 */
function unsignedPayload<C extends UploadPartCommand | PutObjectCommand>(command: C): C {
  (command as UploadPartCommand).middlewareStack.add(
    (next) => (args) => {
      const { headers } = args.request as { headers?: Record<string, string> };
      if (headers !== undefined) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'smwfUnsignedPayload' },
  );
  return command;
}

/** Streams `body` to `location`; a failed upload leaves no parts behind, and fails with the body's own error. */
export type ArchiveUpload = (
  location: ObjectLocation,
  body: AsyncIterable<Uint8Array>,
  contentType: string,
) => Promise<void>;

/** The ArchiveUpload backed by the AWS SDK's S3 client (CRC-32 checksums on every part, as the SDK defaults to). */
export function s3ArchiveUpload(client: S3Client, partBytes = PART_SIZE_BYTES): ArchiveUpload {
  return async ({ bucket, key }, body, contentType) => {
    const spare: Uint8Array[] = [];
    const sending = new Set<Promise<void>>();
    const completed: CompletedPart[] = [];
    let part: Uint8Array = new Uint8Array(partBytes);
    let filled = 0;
    let uploadId: string | undefined;
    let partNumber = 0;
    let failure: { error: unknown } | undefined;

    const send = async (buffer: Uint8Array, bytes: number, partNumber: number) => {
      const out = await client.send(
        unsignedPayload(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: buffer.subarray(0, bytes),
            ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
          }),
        ),
      );
      completed.push({ PartNumber: partNumber, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 });
      // The request is over: nothing holds the buffer any more.
      spare.push(buffer);
    };
    const startPart = (buffer: Uint8Array, bytes: number) => {
      partNumber += 1;
      const sent = send(buffer, bytes, partNumber)
        // Checked after every wait below; a part that fails meanwhile must not count as unhandled.
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => sending.delete(sent));
      sending.add(sent);
    };
    const throwIfFailed = () => {
      if (failure) throw failure.error;
    };

    try {
      for await (const chunk of body) {
        for (let offset = 0; offset < chunk.byteLength; ) {
          const taken = Math.min(partBytes - filled, chunk.byteLength - offset);
          part.set(chunk.subarray(offset, offset + taken), filled);
          filled += taken;
          offset += taken;
          if (filled < partBytes) continue;
          uploadId ??= (
            await client.send(
              new CreateMultipartUploadCommand({
                Bucket: bucket,
                Key: key,
                ContentType: contentType,
                ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
              }),
            )
          ).UploadId;
          startPart(part, filled);
          while (sending.size >= UPLOAD_QUEUE_SIZE) await Promise.race(sending);
          throwIfFailed();
          part = spare.pop() ?? new Uint8Array(partBytes);
          filled = 0;
        }
      }
      if (uploadId === undefined) {
        await client.send(
          unsignedPayload(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: part.subarray(0, filled),
              ContentType: contentType,
            }),
          ),
        );
        return;
      }
      if (filled > 0) startPart(part, filled);
      await Promise.all(sending);
      throwIfFailed();
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0)) },
        }),
      );
    } catch (error) {
      if (uploadId !== undefined) {
        await Promise.all(sending);
        try {
          // Parts of an unfinished upload are billed until aborted.
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
        } catch {
          // The original error is the one to report; the parts stay until aborted.
        }
      }
      throw error;
    }
  };
}
