import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { StartDeploymentState, startDeployment } from './start-deployment.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the StartDeployment step. */
export const handler = stepHandler(StartDeploymentState, 'StartDeployment', (state) =>
  startDeployment(state, { sagemaker, now: () => new Date() }),
);
