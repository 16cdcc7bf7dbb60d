import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { componentScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { RestoreComponentAutoScalingState, restoreComponentAutoScaling } from './restore-component-auto-scaling.ts';

const scaling = componentScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the RestoreComponentAutoScaling step. */
export const handler = stepHandler(RestoreComponentAutoScalingState, 'RestoreComponentAutoScaling', (state) =>
  restoreComponentAutoScaling(state, { scaling }),
);
