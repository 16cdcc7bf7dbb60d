import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { GetEndpointStatusState, getEndpointStatus } from './get-endpoint-status.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the GetEndpointStatus step (used by the deploy and the rollback wait loops). */
export const handler = stepHandler(GetEndpointStatusState, 'GetEndpointStatus', (state) =>
  getEndpointStatus(state, { sagemaker, now: () => new Date() }),
);
