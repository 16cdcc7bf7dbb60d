import { FirstStateEvent } from '../../workflows/contract-parts.ts';
import type { PackagingState } from '../../workflows/package-model/contract.ts';
import { PackageModelInput } from '../../workflows/parts/packaging.ts';
import { parseInput } from '../_shared/parse-input.ts';

/**
 * The first state of PackageModel: checks the execution input against its contract and applies the defaults.
 * Bad input fails here with InvalidInputError naming the field; no AWS call is made.
 */
export function validatePackageInput(event: unknown): PackagingState {
  const { input, execution } = parseInput(FirstStateEvent, event, 'ValidateInput payload');
  const request = parseInput(PackageModelInput, input, 'PackageModel input');
  return { request, execution };
}
