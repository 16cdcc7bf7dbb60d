/**
 * The Lambda handler of every workflow's first state: the raw execution input (with the execution facts from
 * the context object) is checked against the workflow's contract and the defaults are applied. Bad input fails
 * here with InvalidInputError naming the field; nothing is called, nothing is created. Each workflow's
 * validate-input.ts builds its handler from this, so its bundle carries that workflow's contract only.
 */
import type * as zc from 'zod/v4/core';
import { type ExecutionFacts, FirstStateEvent } from './contract-parts.ts';
import { parseInput } from './parse-input.ts';

/** The state document every workflow starts from: the validated request and the execution it belongs to. */
export interface FirstState<Request> {
  request: Request;
  execution: ExecutionFacts;
}

/** What the first state of the workflow `name` does with its payload: the request and execution, or InvalidInputError. */
export function validateFirstState<Contract extends zc.$ZodType>(
  name: string,
  contract: Contract,
  event: unknown,
): FirstState<zc.output<Contract>> {
  const { input, execution } = parseInput(FirstStateEvent, event, 'ValidateInput payload');
  const request = parseInput(contract, input, `${name} input`);
  return { request, execution };
}

/** The first-state handler of the workflow `name`, whose execution input is `contract`. */
export function firstStateHandler<Contract extends zc.$ZodType>(name: string, contract: Contract) {
  return async (event: unknown): Promise<FirstState<zc.output<Contract>>> => validateFirstState(name, contract, event);
}
