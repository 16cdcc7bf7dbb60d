import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { GetTransformJobStatusState, getTransformJobStatus } from './get-transform-job-status.ts';

const jobs = transformJobGateway(new SageMakerClient({}));

/** Lambda entry of the GetTransformJobStatus step (BatchTransform's GetJobStatus state). */
export const handler = stepHandler(GetTransformJobStatusState, 'GetTransformJobStatus', (state) =>
  getTransformJobStatus(state, { jobs, now: () => new Date() }),
);
