import { firstStateHandler } from '../first-state.ts';
import { DeployInferenceComponentInput } from './contract.ts';

/** Lambda entry of DeployInferenceComponent's first state (ValidateInput). */
export const handler = firstStateHandler('DeployInferenceComponent', DeployInferenceComponentInput);
