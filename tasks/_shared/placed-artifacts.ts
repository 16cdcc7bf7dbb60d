/**
 * Which model artifacts under a multi-model endpoint's prefix an execution placed, by evidence on the object itself
 * (as SageMaker resources carry the execution's tag, tasks/_shared/execution-leftovers.ts): PlaceModel copies an
 * artifact with user metadata naming the execution that placed it. A key that was there before is reused, never
 * copied again, so it keeps the metadata of the run that placed it (or none): a rollback that deletes only the
 * objects naming its own execution never deletes an artifact that existed before the run.
 */
import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectLocation } from './artifact-store.ts';
import { splitS3Uri } from './batch-run.ts';
import { type ObjectListing, s3ObjectListing } from './object-listing.ts';

/** The user metadata key (x-amz-meta-...) naming the execution (its ARN) that placed an artifact. */
export const PLACED_BY_METADATA = 'sagemaker-workflows-execution';

/** The S3 calls the removal makes. */
export interface PlacedArtifactStore extends ObjectListing {
  /** The object's user metadata, or undefined when it is gone. */
  metadataOf(location: ObjectLocation): Promise<Record<string, string> | undefined>;
  deleteObject(location: ObjectLocation): Promise<void>;
}

/** The metadata PlaceModel gives a copy it makes. */
export const placedByMetadata = (executionId: string): Record<string, string> => ({
  [PLACED_BY_METADATA]: executionId,
});

/**
 * Deletes the objects under `prefix` (an s3:// URI) whose metadata names `executionId` as the one that placed them;
 * returns their s3:// URIs. Deleting one already gone changes nothing, so a retry ends the same.
 */
export async function removePlacedArtifacts(
  prefix: string,
  executionId: string,
  store: PlacedArtifactStore,
): Promise<string[]> {
  const { bucket, key } = splitS3Uri(prefix);
  const deleted: string[] = [];
  for (const object of await store.list(bucket, key)) {
    const location = { bucket, key: object.key };
    const metadata = await store.metadataOf(location);
    if (metadata?.[PLACED_BY_METADATA] !== executionId) continue;
    await store.deleteObject(location);
    deleted.push(`s3://${bucket}/${object.key}`);
  }
  return deleted;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey');
}

/** The PlacedArtifactStore backed by the AWS SDK S3 client. */
export function s3PlacedArtifactStore(client: S3Client): PlacedArtifactStore {
  return {
    list: s3ObjectListing(client).list,
    async metadataOf({ bucket, key }) {
      try {
        return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {};
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async deleteObject({ bucket, key }) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
