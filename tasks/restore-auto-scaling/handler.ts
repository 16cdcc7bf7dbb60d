import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { autoScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { RestoreAutoScalingState, restoreAutoScaling } from './restore-auto-scaling.ts';

const autoScaling = autoScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the RestoreAutoScaling step. */
export const handler = stepHandler(RestoreAutoScalingState, 'RestoreAutoScaling', (state) =>
  restoreAutoScaling(state, { autoScaling }),
);
