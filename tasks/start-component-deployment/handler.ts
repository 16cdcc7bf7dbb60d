import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { inferenceComponentGateway } from '../_shared/inference-components.ts';
import { StartComponentDeploymentState, startComponentDeployment } from './start-component-deployment.ts';

const components = inferenceComponentGateway(new SageMakerClient({}));

/** Lambda entry of the StartComponentDeployment step. */
export const handler = stepHandler(StartComponentDeploymentState, 'StartComponentDeployment', (state) =>
  startComponentDeployment(state, { components, now: () => new Date() }),
);
