/**
 * Where endpoint leases live and how they are written: one object per endpoint in the stack's artifact bucket
 * (contracts/endpoint-lease.ts), created with `If-None-Match: *` and replaced with `If-Match: <ETag>`, S3's
 * conditional writes (S3 User Guide, "How to prevent object overwrites with conditional writes"), so of two runs
 * that write at once exactly one wins and the other reads the winner.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LeaseDocument } from '../../contracts/endpoint-lease.ts';

/** A lease object as read: its body (undefined when it is not a lease document) and its ETag. */
export interface StoredLease {
  readonly document: LeaseDocument | undefined;
  readonly etag: string;
}

/**
 * What a conditional write did: written (with the new ETag), or not, because the key holds an object
 * (`exists`, for a create), holds another version or changed while writing (`changed`), or holds nothing
 * (`missing`, for a replace).
 */
type LeaseWrite =
  | { readonly written: true; readonly etag: string }
  | { readonly written: false; readonly reason: 'exists' | 'changed' | 'missing' };

/** The lease objects. */
export interface LeaseStore {
  /** The object at `key`, or undefined when there is none. */
  read(key: string): Promise<StoredLease | undefined>;
  /** Writes `document` at `key` only if the key holds no object. */
  create(key: string, document: LeaseDocument): Promise<LeaseWrite>;
  /** Writes `document` at `key` only if the key holds the object of `etag`. */
  replace(key: string, document: LeaseDocument, etag: string): Promise<LeaseWrite>;
}

function isLeaseDocument(value: unknown): value is LeaseDocument {
  const doc = value as Partial<LeaseDocument> | null;
  return (
    typeof doc === 'object' &&
    doc !== null &&
    (doc.state === 'held' || doc.state === 'released') &&
    typeof doc.executionArn === 'string' &&
    typeof doc.workflow === 'string' &&
    typeof doc.takenAt === 'string' &&
    typeof doc.expiresAt === 'string'
  );
}

/** What a failed conditional write means: S3's 412, 409 and (If-Match on no object) 404. */
function refusedWrite(error: unknown, creating: boolean): LeaseWrite | undefined {
  const name = (error as Error).name;
  if (name === 'PreconditionFailed') return { written: false, reason: creating ? 'exists' : 'changed' };
  if (name === 'ConditionalRequestConflict') return { written: false, reason: 'changed' };
  if (!creating && (name === 'NoSuchKey' || name === 'NotFound')) return { written: false, reason: 'missing' };
  return undefined;
}

/** The lease objects in `bucket`, through the AWS SDK's S3 client. */
export function s3LeaseStore(s3: S3Client, bucket: string): LeaseStore {
  const put = async (key: string, document: LeaseDocument, condition: { IfNoneMatch: '*' } | { IfMatch: string }) => {
    try {
      const out = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(document),
          ContentType: 'application/json',
          ...condition,
        }),
      );
      return { written: true, etag: out.ETag ?? '' } as const;
    } catch (error) {
      const refused = refusedWrite(error, 'IfNoneMatch' in condition);
      if (refused) return refused;
      throw error;
    }
  };
  return {
    async read(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const text = (await out.Body?.transformToString()) ?? '';
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        return { document: isLeaseDocument(parsed) ? parsed : undefined, etag: out.ETag ?? '' };
      } catch (error) {
        if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return undefined;
        throw error;
      }
    },
    create: (key, document) => put(key, document, { IfNoneMatch: '*' }),
    replace: (key, document, etag) => put(key, document, { IfMatch: etag }),
  };
}
