import { BatchTransformInput } from '../../contracts/parts/batch-transform.ts';
import { firstStateHandler } from '../first-state.ts';

/** Lambda entry of BatchTransform's first state (ValidateInput): checks the execution input and applies the defaults. */
export const handler = firstStateHandler('BatchTransform', BatchTransformInput);
