import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { StartRollbackState, startRollback } from './start-rollback.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the StartRollback step. */
export const handler = stepHandler(StartRollbackState, 'StartRollback', (state) =>
  startRollback(state, { sagemaker, now: () => new Date() }),
);
