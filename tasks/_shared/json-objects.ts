/**
 * JSON documents in the stack's artifact bucket, read and written by key: what the load-test steps hand each other
 * when a state document would be too small for it. Only GetObject and PutObject, so a step's bundle carries no more
 * of S3 than that.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** JSON documents under one bucket. */
interface JsonObjects {
  /** The document at `key`; an error naming it when there is none. */
  read(key: string): Promise<unknown>;
  write(key: string, value: unknown): Promise<void>;
  /** The s3:// URI of `key`. */
  uriOf(key: string): string;
}

/** JsonObjects in `bucket`, backed by the AWS SDK S3 client. */
export function jsonObjects(client: S3Client, bucket: string): JsonObjects {
  return {
    async read(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return JSON.parse((await out.Body?.transformToString()) ?? 'null') as unknown;
      } catch (error) {
        if (error instanceof Error && error.name === 'NoSuchKey') {
          throw new Error(`s3://${bucket}/${key} is missing`, { cause: error });
        }
        throw error;
      }
    },
    async write(key, value) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(value),
          ContentType: 'application/json',
        }),
      );
    },
    uriOf: (key) => `s3://${bucket}/${key}`,
  };
}
