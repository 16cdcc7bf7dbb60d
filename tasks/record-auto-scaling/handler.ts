import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { autoScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { RecordAutoScalingState, recordAutoScaling } from './record-auto-scaling.ts';

const autoScaling = autoScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the RecordAutoScaling step. */
export const handler = stepHandler(RecordAutoScalingState, 'RecordAutoScaling', (state) =>
  recordAutoScaling(state, { autoScaling }),
);
