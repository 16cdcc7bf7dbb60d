import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { CreateModelState, createModel } from './create-model.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the CreateModel step. */
export const handler = stepHandler(CreateModelState, 'CreateModel', (state) =>
  createModel(state, { sagemaker, executionRoleArn: requiredEnv('SAGEMAKER_EXECUTION_ROLE_ARN') }),
);
