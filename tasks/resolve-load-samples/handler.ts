import { S3Client } from '@aws-sdk/client-s3';
import { stepHandler } from '../_shared/handler.ts';
import { s3ObjectListing } from '../_shared/object-listing.ts';
import { ResolveLoadSamplesState, resolveLoadSamples } from './resolve-load-samples.ts';

const objects = s3ObjectListing(new S3Client({}));

/** Lambda entry of the ResolveLoadSamples step. */
export const handler = stepHandler(ResolveLoadSamplesState, 'ResolveLoadSamples', (state) =>
  resolveLoadSamples(state, { listObjects: (bucket, prefix) => objects.list(bucket, prefix) }),
);
