import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { endpointInvoker } from '../_shared/endpoint-runtime.ts';
import { stepHandler } from '../_shared/handler.ts';
import { ProbeComponentState, probeComponent } from './probe-component.ts';

const invoke = endpointInvoker(new SageMakerRuntimeClient({ maxAttempts: 1 }));

/** Lambda entry of the ProbeComponent step. */
export const handler = stepHandler(ProbeComponentState, 'ProbeComponent', (state) => probeComponent(state, { invoke }));
