import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { StartTransformJobState, startTransformJob } from './start-transform-job.ts';

const client = new SageMakerClient({});
const sagemaker = sageMakerGateway(client);
const jobs = transformJobGateway(client);

/** Lambda entry of BatchTransform's StartTransformJob step. */
export const handler = stepHandler(StartTransformJobState, 'StartTransformJob', (state) =>
  startTransformJob(state, {
    sagemaker,
    jobs,
    executionRoleArn: requiredEnv('SAGEMAKER_EXECUTION_ROLE_ARN'),
    now: () => new Date(),
  }),
);
