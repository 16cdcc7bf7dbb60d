/**
 * The S3 calls the packaging tasks make, behind one small interface: cores depend on the interface (faked in
 * tests), handlers pass `s3ArtifactStore(client)`. "No such key" becomes `undefined`; other errors propagate.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ModelSourceChangedError } from '../../workflows/errors.ts';

/** One object as ListObjectsV2 reports it. */
export interface StoredObject {
  key: string;
  size: number;
  /** The ETag without its quotes. */
  etag: string;
  lastModified: Date;
}

/** A bucket and key. */
export interface ObjectLocation {
  bucket: string;
  key: string;
}

/** Every S3 call a packaging task makes. */
export interface ArtifactStore {
  /** Every object under `prefix`, in key order. */
  list(bucket: string, prefix: string): Promise<StoredObject[]>;
  /**
   * The object's bytes as a stream; never buffered whole. With `etag`, only that version of the object:
   * one that changed since it was listed is a ModelSourceChangedError.
   */
  read(location: ObjectLocation, etag?: string): Promise<AsyncIterable<Uint8Array>>;
  readJson(location: ObjectLocation): Promise<unknown | undefined>;
  writeJson(location: ObjectLocation, value: unknown): Promise<void>;
  /** Streams `body` to S3 (multipart for large bodies), holding at most a few parts in memory. */
  upload(location: ObjectLocation, body: Readable, contentType: string): Promise<void>;
  /** Copies an object server-side (multipart copy above CopyObject's 5 GiB limit). */
  copy(from: ObjectLocation & { size: number }, to: ObjectLocation): Promise<void>;
}

/** CopyObject copies at most 5 GiB; larger objects are copied in parts. */
export const COPY_OBJECT_LIMIT_BYTES = 5 * 1024 ** 3;
/**
 * Part size of multipart uploads: 8 MiB x 10,000 parts covers archives up to 78 GiB, more than gzip can
 * produce within Lambda's 15 minutes, while keeping the upload's buffers small.
 */
const PART_SIZE_BYTES = 8 * 1024 * 1024;
const COPY_PART_SIZE_BYTES = 512 * 1024 * 1024;
/** Parts in flight at once: enough to keep up with gzip, few enough to keep the buffers near 24 MiB. */
const UPLOAD_QUEUE_SIZE = 2;

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');
}

/** S3 copy sources are `bucket/key`, with the key URL-encoded. */
const copySource = (from: ObjectLocation) => `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`;

/** The ArtifactStore backed by the AWS SDK S3 client. */
export function s3ArtifactStore(client: S3Client): ArtifactStore {
  return {
    async list(bucket, prefix) {
      const objects: StoredObject[] = [];
      let token: string | undefined;
      do {
        const out = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const o of out.Contents ?? []) {
          if (o.Key === undefined) continue;
          objects.push({
            key: o.Key,
            size: o.Size ?? 0,
            etag: unquote(o.ETag),
            lastModified: o.LastModified ?? new Date(0),
          });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
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
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: JSON.stringify(value, null, 2), ContentType: 'application/json' },
      });
      await upload.done();
    },
    async upload({ bucket, key }, body, contentType) {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
        partSize: PART_SIZE_BYTES,
        queueSize: UPLOAD_QUEUE_SIZE,
        leavePartsOnError: false,
      });
      await upload.done();
    },
    async copy(from, to) {
      if (from.size <= COPY_OBJECT_LIMIT_BYTES) {
        await client.send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: copySource(from) }));
        return;
      }
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key }));
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
