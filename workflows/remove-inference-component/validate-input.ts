import { firstStateHandler } from '../first-state.ts';
import { RemoveInferenceComponentInput } from './contract.ts';

/** Lambda entry of RemoveInferenceComponent's first state (ValidateInput). */
export const handler = firstStateHandler('RemoveInferenceComponent', RemoveInferenceComponentInput);
