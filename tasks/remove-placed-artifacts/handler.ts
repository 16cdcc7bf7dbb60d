import { DeleteObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { stepHandler } from '../_shared/handler.ts';
import { s3ObjectListing } from '../_shared/object-listing.ts';
import { RemovePlacedArtifactsState, removePlacedArtifacts } from './remove-placed-artifacts.ts';

const s3 = new S3Client({});
const objects = s3ObjectListing(s3);

/** HeadObject's "no such key" (a HEAD has no body, so S3's answer is the status alone: NotFound). */
function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey');
}

/** Lambda entry of the RemovePlacedArtifacts step. */
export const handler = stepHandler(RemovePlacedArtifactsState, 'RemovePlacedArtifacts', (state) =>
  removePlacedArtifacts(state, {
    objects,
    async metadataOf({ bucket, key }) {
      try {
        return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {};
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async deleteObject({ bucket, key }) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  }),
);
