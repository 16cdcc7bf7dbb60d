import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { CreateEndpointConfigState, createEndpointConfig } from './create-endpoint-config.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the CreateEndpointConfig step. */
export const handler = stepHandler(CreateEndpointConfigState, 'CreateEndpointConfig', (state) =>
  createEndpointConfig(state, { sagemaker }),
);
