import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { VerifyDeploymentState, verifyDeployment } from './verify-deployment.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the VerifyDeployment step. */
export const handler = stepHandler(VerifyDeploymentState, 'VerifyDeployment', (state) =>
  verifyDeployment(state, { sagemaker }),
);
