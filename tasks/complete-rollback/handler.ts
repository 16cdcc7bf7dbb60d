import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { leftoverSageMaker } from '../_shared/execution-leftovers.ts';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { CompleteRollbackState, completeRollback } from './complete-rollback.ts';

const client = new SageMakerClient({});
const sagemaker = sageMakerGateway(client);
const leftovers = leftoverSageMaker(client);

/** Lambda entry of the CompleteRollback step. */
export const handler = stepHandler(CompleteRollbackState, 'CompleteRollback', (state) =>
  completeRollback(state, { sagemaker, leftovers, now: () => new Date() }),
);
