import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { autoScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { ApplyAutoScalingState, applyAutoScaling } from './apply-auto-scaling.ts';

const autoScaling = autoScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the ApplyAutoScaling step. */
export const handler = stepHandler(ApplyAutoScalingState, 'ApplyAutoScaling', (state) =>
  applyAutoScaling(state, { autoScaling }),
);
