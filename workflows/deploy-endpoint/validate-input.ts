import { firstStateHandler } from '../first-state.ts';
import { DeployEndpointInput } from './contract.ts';

/** Lambda entry of DeployEndpoint's first state (ValidateInput): checks the execution input and applies the defaults. */
export const handler = firstStateHandler('DeployEndpoint', DeployEndpointInput);
