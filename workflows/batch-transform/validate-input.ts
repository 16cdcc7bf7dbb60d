import { firstStateHandler } from '../first-state.ts';
import { BatchTransformInput } from './contract.ts';

/** Lambda entry of BatchTransform's first state (ValidateInput): checks the execution input and applies the defaults. */
export const handler = firstStateHandler('BatchTransform', BatchTransformInput);
