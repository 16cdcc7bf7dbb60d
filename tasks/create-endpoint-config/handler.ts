import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { deploymentStepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { createEndpointConfig } from './create-endpoint-config.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the CreateEndpointConfig step. */
export const handler = deploymentStepHandler('CreateEndpointConfig', (state) =>
  createEndpointConfig(state, { sagemaker }),
);
