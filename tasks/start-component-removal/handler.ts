import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { inferenceComponentGateway } from '../_shared/inference-components.ts';
import { StartComponentRemovalState, startComponentRemoval } from './start-component-removal.ts';

const components = inferenceComponentGateway(new SageMakerClient({}));

/** Lambda entry of the StartComponentRemoval step. */
export const handler = stepHandler(StartComponentRemovalState, 'StartComponentRemoval', (state) =>
  startComponentRemoval(state, { components, now: () => new Date() }),
);
