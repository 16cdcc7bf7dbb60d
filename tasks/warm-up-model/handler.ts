import { performance } from 'node:perf_hooks';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { endpointInvoker } from '../_shared/endpoint-runtime.ts';
import { stepHandler } from '../_shared/handler.ts';
import { WarmUpModelState, warmUpModel } from './warm-up-model.ts';

const invoke = endpointInvoker(new SageMakerRuntimeClient({}));

/** Lambda entry of the WarmUpModel step. */
export const handler = stepHandler(WarmUpModelState, 'WarmUpModel', (state) =>
  warmUpModel(state, { invoke, clock: () => performance.now() }),
);
