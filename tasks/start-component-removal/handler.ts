import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { componentScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { inferenceComponentGateway } from '../_shared/inference-components.ts';
import { StartComponentRemovalState, startComponentRemoval } from './start-component-removal.ts';

const components = inferenceComponentGateway(new SageMakerClient({}));
const scaling = componentScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the StartComponentRemoval step. */
export const handler = stepHandler(StartComponentRemovalState, 'StartComponentRemoval', (state) =>
  startComponentRemoval(state, { components, scaling, now: () => new Date() }),
);
