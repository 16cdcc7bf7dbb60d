import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { EnsureComponentEndpointState, ensureComponentEndpoint } from './ensure-component-endpoint.ts';

const client = new SageMakerClient({});
const sagemaker = sageMakerGateway(client);

/** Lambda entry of the EnsureComponentEndpoint step. */
export const handler = stepHandler(EnsureComponentEndpointState, 'EnsureComponentEndpoint', (state) =>
  ensureComponentEndpoint(state, {
    sagemaker,
    client,
    executionRoleArn: requiredEnv('SAGEMAKER_EXECUTION_ROLE_ARN'),
    now: () => new Date(),
  }),
);
