import { BatchRunState, BatchTransformInput } from '../../workflows/batch-transform/contract.ts';
import { FirstStateEvent } from '../../workflows/contract-parts.ts';
import { parseInput } from '../_shared/parse-input.ts';

/**
 * The first state of BatchTransform: checks the execution input against its contract and applies the defaults.
 * Bad input fails here with InvalidInputError naming the field; no AWS call is made.
 */
export function validateBatchInput(event: unknown): BatchRunState {
  const { input, execution } = parseInput(FirstStateEvent, event, 'ValidateInput payload');
  const request = parseInput(BatchTransformInput, input, 'BatchTransform input');
  return BatchRunState.parse({ request, execution });
}
