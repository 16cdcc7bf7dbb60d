import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { s3ArtifactStore } from '../_shared/artifact-store.ts';
import { stepHandler } from '../_shared/handler.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { ResolveBatchRunState, resolveBatchRun } from './resolve-batch-run.ts';

const jobs = transformJobGateway(new SageMakerClient({}));
const objects = s3ArtifactStore(new S3Client({}));

/** Lambda entry of BatchTransform's ResolveRun step. */
export const handler = stepHandler(ResolveBatchRunState, 'ResolveRun', (state) =>
  resolveBatchRun(state, { jobs, objects, now: () => new Date() }),
);
