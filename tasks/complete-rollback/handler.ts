import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { leftoverSageMaker } from '../_shared/execution-leftovers.ts';
import { stepHandler } from '../_shared/handler.ts';
import { s3PlacedArtifactStore } from '../_shared/placed-artifacts.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { CompleteRollbackState, completeRollback } from './complete-rollback.ts';

const client = new SageMakerClient({});
const sagemaker = sageMakerGateway(client);
const leftovers = leftoverSageMaker(client);
const artifacts = s3PlacedArtifactStore(new S3Client({}));

/** Lambda entry of the CompleteRollback step. */
export const handler = stepHandler(CompleteRollbackState, 'CompleteRollback', (state) =>
  completeRollback(state, { sagemaker, leftovers, artifacts, now: () => new Date() }),
);
