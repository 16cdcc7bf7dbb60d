import { PackageModelInput } from '../../contracts/parts/packaging.ts';
import { firstStateHandler } from '../first-state.ts';

/** Lambda entry of PackageModel's first state (ValidateInput): checks the execution input and applies the defaults. */
export const handler = firstStateHandler('PackageModel', PackageModelInput);
