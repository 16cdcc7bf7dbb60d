import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { StopTransformJobState, stopTransformJob } from './stop-transform-job.ts';

const jobs = transformJobGateway(new SageMakerClient({}));

/** Lambda entry of BatchTransform's StopTransformJob step (failure path). */
export const handler = stepHandler(StopTransformJobState, 'StopTransformJob', (state) =>
  stopTransformJob(state, { jobs }),
);
