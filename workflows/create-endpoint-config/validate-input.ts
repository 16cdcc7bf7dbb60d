import { firstStateHandler } from '../first-state.ts';
import { CreateEndpointConfigInput } from './contract.ts';

/** Lambda entry of CreateEndpointConfig's first state (ValidateInput): checks the input and applies the defaults. */
export const handler = firstStateHandler('CreateEndpointConfig', CreateEndpointConfigInput);
