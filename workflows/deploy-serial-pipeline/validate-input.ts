import { firstStateHandler } from '../first-state.ts';
import { DeploySerialPipelineInput } from './contract.ts';

/** Lambda entry of DeploySerialPipeline's first state (ValidateInput): checks the input and applies the defaults. */
export const handler = firstStateHandler('DeploySerialPipeline', DeploySerialPipelineInput);
