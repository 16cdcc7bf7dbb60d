import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { deploymentStepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { completeRollback } from './complete-rollback.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the CompleteRollback step. */
export const handler = deploymentStepHandler('CompleteRollback', (state) => completeRollback(state, { sagemaker }));
