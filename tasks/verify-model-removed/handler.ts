import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { endpointInvoker } from '../_shared/endpoint-runtime.ts';
import { stepHandler } from '../_shared/handler.ts';
import { VerifyModelRemovedState, verifyModelRemoved } from './verify-model-removed.ts';

const invoke = endpointInvoker(new SageMakerRuntimeClient({}));

/** Lambda entry of the VerifyModelRemoved step. */
export const handler = stepHandler(VerifyModelRemovedState, 'VerifyModelRemoved', (state) =>
  verifyModelRemoved(state, { invoke }),
);
