import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { batchStepHandler } from '../_shared/batch-run.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { stopTransformJob } from './stop-transform-job.ts';

const jobs = transformJobGateway(new SageMakerClient({}));

/** Lambda entry of BatchTransform's StopTransformJob step (failure path). */
export const handler = batchStepHandler('StopTransformJob', (state) => stopTransformJob(state, { jobs }));
