import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { autoScalingGateway } from '../_shared/auto-scaling.ts';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { SuspendAutoScalingState, suspendAutoScaling } from './suspend-auto-scaling.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));
const autoScaling = autoScalingGateway(new ApplicationAutoScalingClient({}));

/** Lambda entry of the SuspendAutoScaling step. */
export const handler = stepHandler(SuspendAutoScalingState, 'SuspendAutoScaling', (state) =>
  suspendAutoScaling(state, { sagemaker, autoScaling }),
);
