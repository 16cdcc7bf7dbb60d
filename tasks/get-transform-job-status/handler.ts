import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { batchStepHandler } from '../_shared/batch-run.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { getTransformJobStatus } from './get-transform-job-status.ts';

const jobs = transformJobGateway(new SageMakerClient({}));

/** Lambda entry of BatchTransform's GetJobStatus step. */
export const handler = batchStepHandler('GetJobStatus', (state) =>
  getTransformJobStatus(state, { jobs, now: () => new Date() }),
);
