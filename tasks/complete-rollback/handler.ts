import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { CompleteRollbackState, completeRollback } from './complete-rollback.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the CompleteRollback step. */
export const handler = stepHandler(CompleteRollbackState, 'CompleteRollback', (state) =>
  completeRollback(state, { sagemaker }),
);
