/** The S3 objects of an asynchronous health check: samples put, outputs and failures read once written. */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { splitS3Uri } from './batch-run.ts';

/** What the asynchronous health-check steps do with S3. */
export interface AsyncObjects {
  /** Puts `body` at the `s3://` URI. */
  put(uri: string, body: string, contentType: string): Promise<void>;
  /** The object's text, or undefined while it does not exist. */
  readIfWritten(uri: string): Promise<string | undefined>;
}

function location(uri: string): { Bucket: string; Key: string } {
  const { bucket, key } = splitS3Uri(uri);
  return { Bucket: bucket, Key: key };
}

/** AsyncObjects backed by the AWS SDK S3 client. */
export function asyncObjects(s3: S3Client): AsyncObjects {
  return {
    async put(uri, body, contentType) {
      await s3.send(new PutObjectCommand({ ...location(uri), Body: body, ContentType: contentType }));
    },
    async readIfWritten(uri) {
      try {
        // GetObject until it exists (one call per poll, where HeadObject then GetObject would be two); with
        // s3:ListBucket a missing key is NoSuchKey, without it AccessDenied.
        const out = await s3.send(new GetObjectCommand(location(uri)));
        return (await out.Body?.transformToString()) ?? '';
      } catch (error) {
        if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return undefined;
        throw error;
      }
    },
  };
}
