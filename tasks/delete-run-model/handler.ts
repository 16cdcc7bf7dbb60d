import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { DeleteRunModelState, deleteRunModel } from './delete-run-model.ts';

const client = new SageMakerClient({});
const sagemaker = sageMakerGateway(client);
const jobs = transformJobGateway(client);

/** Lambda entry of BatchTransform's DeleteRunModel step (failure path). */
export const handler = stepHandler(DeleteRunModelState, 'DeleteRunModel', (state) =>
  deleteRunModel(state, { sagemaker, jobs, executionRoleArn: requiredEnv('SAGEMAKER_EXECUTION_ROLE_ARN') }),
);
