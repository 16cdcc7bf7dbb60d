import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { componentScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { ApplyComponentAutoScalingState, applyComponentAutoScaling } from './apply-component-auto-scaling.ts';

const scaling = componentScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the ApplyComponentAutoScaling step. */
export const handler = stepHandler(ApplyComponentAutoScalingState, 'ApplyComponentAutoScaling', (state) =>
  applyComponentAutoScaling(state, { scaling }),
);
