import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { stepHandler } from '../_shared/handler.ts';
import { s3ObjectListing } from '../_shared/object-listing.ts';
import { DeleteModelArtifactState, deleteModelArtifact } from './delete-model-artifact.ts';

const s3 = new S3Client({});
const objects = s3ObjectListing(s3);

/** Lambda entry of the DeleteModelArtifact step. */
export const handler = stepHandler(DeleteModelArtifactState, 'DeleteModelArtifact', (state) =>
  deleteModelArtifact(state, {
    objects,
    deleteObject: async ({ bucket, key }) => {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  }),
);
