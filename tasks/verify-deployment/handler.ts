import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { deploymentStepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { verifyDeployment } from './verify-deployment.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the VerifyDeployment step. */
export const handler = deploymentStepHandler('VerifyDeployment', (state) => verifyDeployment(state, { sagemaker }));
