/**
 * Listing the objects under an S3 prefix, page by page: what the packaging steps and the batch steps that count
 * inputs and outputs all need. On its own so that the listing steps carry no other S3 code.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** One object as ListObjectsV2 reports it. */
export interface StoredObject {
  key: string;
  size: number;
  /** The ETag without its quotes. */
  etag: string;
  lastModified: Date;
}

/** Lists objects. */
export interface ObjectListing {
  /** Every object under `prefix`, in key order. */
  list(bucket: string, prefix: string): Promise<StoredObject[]>;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

/** The ObjectListing backed by the AWS SDK S3 client. */
export function s3ObjectListing(client: S3Client): ObjectListing {
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
  };
}
