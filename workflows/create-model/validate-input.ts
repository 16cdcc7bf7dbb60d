import { firstStateHandler } from '../first-state.ts';
import { CreateModelInput } from './contract.ts';

/** Lambda entry of CreateModel's first state (ValidateInput): checks the execution input and applies the defaults. */
export const handler = firstStateHandler('CreateModel', CreateModelInput);
