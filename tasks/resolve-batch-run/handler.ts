import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { s3ObjectListing } from '../_shared/object-listing.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { ResolveBatchRunState, resolveBatchRun } from './resolve-batch-run.ts';

const jobs = transformJobGateway(new SageMakerClient({}));
const objects = s3ObjectListing(new S3Client({}));

/** Lambda entry of BatchTransform's ResolveRun step. */
export const handler = stepHandler(ResolveBatchRunState, 'ResolveBatchRun', (state) =>
  resolveBatchRun(state, { jobs, objects, now: () => new Date() }),
);
