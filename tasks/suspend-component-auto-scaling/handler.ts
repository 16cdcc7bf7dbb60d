import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { componentScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { SuspendComponentAutoScalingState, suspendComponentAutoScaling } from './suspend-component-auto-scaling.ts';

const scaling = componentScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the SuspendComponentAutoScaling step. */
export const handler = stepHandler(SuspendComponentAutoScalingState, 'SuspendComponentAutoScaling', (state) =>
  suspendComponentAutoScaling(state, { scaling }),
);
