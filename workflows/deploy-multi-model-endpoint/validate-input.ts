import { firstStateHandler } from '../first-state.ts';
import { DeployMultiModelEndpointInput } from './contract.ts';

/** Lambda entry of DeployMultiModelEndpoint's first state (ValidateInput): checks the input, applies the defaults. */
export const handler = firstStateHandler('DeployMultiModelEndpoint', DeployMultiModelEndpointInput);
