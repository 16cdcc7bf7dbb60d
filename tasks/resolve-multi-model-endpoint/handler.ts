import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { ResolveMultiModelEndpointState, resolveMultiModelEndpoint } from './resolve-multi-model-endpoint.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the ResolveMultiModelEndpoint step. */
export const handler = stepHandler(ResolveMultiModelEndpointState, 'ResolveMultiModelEndpoint', (state) =>
  resolveMultiModelEndpoint(state, { sagemaker }),
);
