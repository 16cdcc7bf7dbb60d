import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { logger } from '../_shared/logger.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { FinalizeDeploymentState, finalizeDeployment } from './finalize-deployment.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the FinalizeDeployment step. */
export const handler = stepHandler(FinalizeDeploymentState, 'FinalizeDeployment', async (state) => {
  const finalized = await finalizeDeployment(state, { sagemaker });
  for (const warning of finalized.finalized?.warnings ?? []) logger.warn(warning);
  return finalized;
});
