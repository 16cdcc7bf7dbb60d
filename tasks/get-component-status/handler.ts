import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { inferenceComponentGateway } from '../_shared/inference-components.ts';
import { GetComponentStatusState, getComponentStatus } from './get-component-status.ts';

const components = inferenceComponentGateway(new SageMakerClient({}));

/** Lambda entry of the GetComponentStatus step (the deploy, rollback and removal wait loops of a component). */
export const handler = stepHandler(GetComponentStatusState, 'GetComponentStatus', (state) =>
  getComponentStatus(state, { components, now: () => new Date() }),
);
