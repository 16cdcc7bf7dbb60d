import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { inferenceComponentGateway } from '../_shared/inference-components.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { DeleteComponentEndpointState, deleteComponentEndpoint } from './delete-component-endpoint.ts';

const client = new SageMakerClient({});
const sagemaker = sageMakerGateway(client);
const components = inferenceComponentGateway(client);

/** Lambda entry of the DeleteComponentEndpoint step. */
export const handler = stepHandler(DeleteComponentEndpointState, 'DeleteComponentEndpoint', (state) =>
  deleteComponentEndpoint(state, { sagemaker, components }),
);
