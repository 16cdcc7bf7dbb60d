import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { recentInvocations } from '../_shared/endpoint-metrics.ts';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { GuardLiveTrafficState, guardLiveTraffic } from './guard-live-traffic.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));
const cloudwatch = new CloudWatchClient({});

/** Lambda entry of the GuardLiveTraffic step. */
export const handler = stepHandler(GuardLiveTrafficState, 'GuardLiveTraffic', (state) =>
  guardLiveTraffic(state, {
    sagemaker,
    recentInvocations: (endpointName, variantNames, minutes) =>
      recentInvocations(cloudwatch, endpointName, variantNames, minutes, new Date()),
  }),
);
