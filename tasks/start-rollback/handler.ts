import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { deploymentStepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { startRollback } from './start-rollback.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the StartRollback step. */
export const handler = deploymentStepHandler('StartRollback', (state) =>
  startRollback(state, { sagemaker, now: () => new Date() }),
);
