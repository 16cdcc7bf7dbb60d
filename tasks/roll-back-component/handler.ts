import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { inferenceComponentGateway } from '../_shared/inference-components.ts';
import { RollBackComponentState, rollBackComponent } from './roll-back-component.ts';

const components = inferenceComponentGateway(new SageMakerClient({}));

/** Lambda entry of the RollBackComponent step. */
export const handler = stepHandler(RollBackComponentState, 'RollBackComponent', (state) =>
  rollBackComponent(state, { components, now: () => new Date() }),
);
