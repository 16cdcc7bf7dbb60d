import { S3Client } from '@aws-sdk/client-s3';
import { stepHandler } from '../_shared/handler.ts';
import { s3ObjectListing } from '../_shared/object-listing.ts';
import { VerifyTransformOutputsState, verifyTransformOutputs } from './verify-transform-outputs.ts';

const objects = s3ObjectListing(new S3Client({}));

/** Lambda entry of the VerifyTransformOutputs step (BatchTransform's VerifyOutputs state). */
export const handler = stepHandler(VerifyTransformOutputsState, 'VerifyTransformOutputs', (state) =>
  verifyTransformOutputs(state, { objects }),
);
