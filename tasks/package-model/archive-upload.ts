/** Streaming the archive to S3: multipart, a few parts in memory at a time, whatever the archive's size. */
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ObjectLocation } from '../_shared/artifact-store.ts';

/**
 * Part size of multipart uploads: 8 MiB x 10,000 parts covers archives up to 78 GiB, more than gzip can
 * produce within Lambda's 15 minutes, while keeping the upload's buffers small.
 */
const PART_SIZE_BYTES = 8 * 1024 * 1024;
const UPLOAD_QUEUE_SIZE = 2;

/** Streams `body` to `location`; a failed upload leaves no parts behind. */
export type ArchiveUpload = (location: ObjectLocation, body: Readable, contentType: string) => Promise<void>;

/** The ArchiveUpload backed by the AWS SDK's multipart Upload. */
export function s3ArchiveUpload(client: S3Client): ArchiveUpload {
  return async ({ bucket, key }, body, contentType) => {
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
      partSize: PART_SIZE_BYTES,
      queueSize: UPLOAD_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    await upload.done();
  };
}
