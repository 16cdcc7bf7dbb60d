import { firstStateHandler } from '../first-state.ts';
import { RemoveModelFromMultiModelEndpointInput } from './contract.ts';

/** Lambda entry of RemoveModelFromMultiModelEndpoint's first state (ValidateInput). */
export const handler = firstStateHandler('RemoveModelFromMultiModelEndpoint', RemoveModelFromMultiModelEndpointInput);
