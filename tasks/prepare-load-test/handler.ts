import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { PrepareLoadTestState, prepareLoadTest } from './prepare-load-test.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));

/** Lambda entry of the PrepareLoadTest step. */
export const handler = stepHandler(PrepareLoadTestState, 'PrepareLoadTest', (state) =>
  prepareLoadTest(state, {
    sagemaker,
    now: () => Date.now(),
  }),
);
