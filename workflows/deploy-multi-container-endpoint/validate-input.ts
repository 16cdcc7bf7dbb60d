import { firstStateHandler } from '../first-state.ts';
import { DeployMultiContainerEndpointInput } from './contract.ts';

/** Lambda entry of DeployMultiContainerEndpoint's first state (ValidateInput): checks the input and applies the defaults. */
export const handler = firstStateHandler('DeployMultiContainerEndpoint', DeployMultiContainerEndpointInput);
