import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { inferenceComponentGateway } from '../_shared/inference-components.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { RollBackComponentState, rollBackComponent } from './roll-back-component.ts';

const client = new SageMakerClient({});
const components = inferenceComponentGateway(client);
const sagemaker = sageMakerGateway(client);

/** Lambda entry of the RollBackComponent step. */
export const handler = stepHandler(RollBackComponentState, 'RollBackComponent', (state) =>
  rollBackComponent(state, { components, sagemaker, now: () => new Date() }),
);
