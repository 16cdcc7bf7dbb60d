import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { DeleteThrowawaysState, deleteThrowaways } from './delete-throwaways.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the DeleteThrowaways step. */
export const handler = stepHandler(DeleteThrowawaysState, 'DeleteThrowaways', (state) =>
  deleteThrowaways(state, { sagemaker }),
);
