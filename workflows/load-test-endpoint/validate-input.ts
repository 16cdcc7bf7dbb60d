import { firstStateHandler } from '../first-state.ts';
import { LoadTestEndpointInput } from './contract.ts';

/** Lambda entry of LoadTestEndpoint's first state (ValidateInput). */
export const handler = firstStateHandler('LoadTestEndpoint', LoadTestEndpointInput);
