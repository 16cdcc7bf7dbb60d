import { firstStateHandler } from '../first-state.ts';
import { AddModelToMultiModelEndpointInput } from './contract.ts';

/** Lambda entry of AddModelToMultiModelEndpoint's first state (ValidateInput). */
export const handler = firstStateHandler('AddModelToMultiModelEndpoint', AddModelToMultiModelEndpointInput);
