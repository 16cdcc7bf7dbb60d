import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { deploymentStepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { getEndpointStatus } from './get-endpoint-status.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the GetEndpointStatus step (used by the deploy and the rollback wait loops). */
export const handler = deploymentStepHandler('GetEndpointStatus', (state) =>
  getEndpointStatus(state, { sagemaker, now: () => new Date() }),
);
