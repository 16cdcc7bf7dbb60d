import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { componentScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { RecordComponentAutoScalingState, recordComponentAutoScaling } from './record-component-auto-scaling.ts';

const scaling = componentScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the RecordComponentAutoScaling step. */
export const handler = stepHandler(RecordComponentAutoScalingState, 'RecordComponentAutoScaling', (state) =>
  recordComponentAutoScaling(state, { scaling }),
);
