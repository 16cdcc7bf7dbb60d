/**
 * The S3 calls the packaging tasks make, behind one small interface: cores depend on the interface (faked in
 * tests), handlers pass `s3ArtifactStore(client)`. "No such key" becomes `undefined`; other errors propagate.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { ModelSourceChangedError } from '../../contracts/errors.ts';
import { type ObjectListing, s3ObjectListing } from './object-listing.ts';

/** A bucket and key. */
export interface ObjectLocation {
  bucket: string;
  key: string;
}

/** Every S3 call the packaging steps make, but the archive's upload (tasks/package-model/archive-upload.ts). */
export interface ArtifactStore extends ObjectListing {
  /**
   * The object's bytes as a stream; never buffered whole. With `etag`, only that version of the object:
   * one that changed since it was listed is a ModelSourceChangedError.
   */
  read(location: ObjectLocation, etag?: string): Promise<AsyncIterable<Uint8Array>>;
  readJson(location: ObjectLocation): Promise<unknown | undefined>;
  writeJson(location: ObjectLocation, value: unknown): Promise<void>;
  /**
   * Copies an object server-side (multipart copy above CopyObject's 5 GiB limit). With `metadata`, the copy carries
   * that user metadata instead of the source's (CopyObject's MetadataDirective REPLACE).
   */
  copy(from: ObjectLocation & { size: number }, to: ObjectLocation, metadata?: Record<string, string>): Promise<void>;
}

/** CopyObject copies at most 5 GiB; larger objects are copied in parts. */
const COPY_OBJECT_LIMIT_BYTES = 5 * 1024 ** 3;
const COPY_PART_SIZE_BYTES = 512 * 1024 * 1024;
/** Parts in flight at once: enough to keep up with gzip, few enough to keep the buffers near 24 MiB. */

function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');
}

/** S3 copy sources are `bucket/key`, with the key URL-encoded. */
const copySource = (from: ObjectLocation) => `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`;

/** The ArtifactStore backed by the AWS SDK S3 client. */
export function s3ArtifactStore(client: S3Client): ArtifactStore {
  return {
    list: s3ObjectListing(client).list,
    async read({ bucket, key }, etag) {
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag !== undefined ? { IfMatch: `"${etag}"` } : {}) }),
        );
        return out.Body as AsyncIterable<Uint8Array>;
      } catch (error) {
        if ((error as Error).name === 'PreconditionFailed') {
          throw new ModelSourceChangedError(`s3://${bucket}/${key} changed since it was listed (ETag ${etag})`, {
            cause: error,
          });
        }
        throw error;
      }
    },
    async readJson({ bucket, key }) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return JSON.parse((await out.Body?.transformToString()) ?? 'null') as unknown;
      } catch (error) {
        if (isNoSuchKey(error)) return undefined;
        throw error;
      }
    },
    async writeJson({ bucket, key }, value) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(value, null, 2),
          ContentType: 'application/json',
        }),
      );
    },
    async copy(from, to, metadata) {
      const withMetadata = metadata !== undefined ? { Metadata: metadata } : {};
      if (from.size <= COPY_OBJECT_LIMIT_BYTES) {
        await client.send(
          new CopyObjectCommand({
            Bucket: to.bucket,
            Key: to.key,
            CopySource: copySource(from),
            ...(metadata !== undefined ? { MetadataDirective: 'REPLACE', Metadata: metadata } : {}),
          }),
        );
        return;
      }
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, ...withMetadata }),
      );
      try {
        const parts: { PartNumber: number; ETag: string }[] = [];
        for (let start = 0, part = 1; start < from.size; start += COPY_PART_SIZE_BYTES, part += 1) {
          const end = Math.min(start + COPY_PART_SIZE_BYTES, from.size) - 1;
          const out = await client.send(
            new UploadPartCopyCommand({
              Bucket: to.bucket,
              Key: to.key,
              UploadId,
              PartNumber: part,
              CopySource: copySource(from),
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          );
          parts.push({ PartNumber: part, ETag: out.CopyPartResult?.ETag ?? '' });
        }
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: to.bucket,
            Key: to.key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
      } catch (error) {
        // Parts of an unfinished upload are billed until aborted.
        await client
          .send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId }))
          .catch(() => undefined);
        throw error;
      }
    },
  };
}
