/**
 * The Lambda handler of every workflow's first state: the raw execution input (with the execution facts from
 * the context object) is checked against the workflow's contract and the defaults are applied. Bad input fails
 * here with InvalidInputError naming the field; nothing is called, nothing is created. Each workflow's
 * validate-input.ts builds its handler from this, so its bundle carries that workflow's contract only.
 */
import type * as zc from 'zod/v4/core';
import { type ExecutionFacts, FirstStateEvent, tagValueProblem } from '../contracts/contract-parts.ts';
import { InvalidInputError } from '../contracts/errors.ts';
import { MAX_INPUT_BYTES } from '../contracts/limits.ts';
import { quote } from '../contracts/messages.ts';
import { formatPath, parseInput } from '../contracts/parse-input.ts';
import { inspectRawInput } from '../contracts/raw-input.ts';

/** The state document every workflow starts from: the validated request and the execution it belongs to. */
interface FirstState<Request> {
  request: Request;
  execution: ExecutionFacts;
}

/**
 * Refuses, before any contract reads it, an input Step Functions would refuse (over 256 KiB of JSON) and keys
 * that a parser would drop without a word (`__proto__`, `constructor`, `prototype`).
 */
function checkRawInput(what: string, input: unknown): void {
  const { bytes, truncated, prototypeKeys } = inspectRawInput(input, 4 * MAX_INPUT_BYTES);
  if (bytes > MAX_INPUT_BYTES) {
    throw new InvalidInputError(
      `Invalid ${what}: ${truncated ? 'more than ' : ''}${bytes} bytes of JSON; Step Functions accepts at most ${MAX_INPUT_BYTES} (256 KiB)`,
    );
  }
  if (prototypeKeys.length > 0) {
    const fields = prototypeKeys.map(
      (path) => `${formatPath(path)}: ${quote(path.at(-1))} is not allowed as a key (JavaScript objects reserve it)`,
    );
    throw new InvalidInputError(`Invalid ${what}: ${fields.join('; ')}`);
  }
}

/** What the first state of the workflow `name` does with its payload: the request and execution, or InvalidInputError. */
export function validateFirstState<Contract extends zc.$ZodType>(
  name: string,
  contract: Contract,
  event: unknown,
): FirstState<zc.output<Contract>> {
  const { input, execution } = parseInput(FirstStateEvent, event, 'ValidateInput payload');
  // The execution's name becomes a tag value on what the workflow creates.
  const nameProblem = tagValueProblem(execution.name);
  if (nameProblem !== undefined) {
    throw new InvalidInputError(`Invalid ${name} execution name ${quote(execution.name)}: ${nameProblem}`);
  }
  checkRawInput(`${name} input`, input);
  const request = parseInput(contract, input, `${name} input`);
  return { request, execution };
}

/** The first-state handler of the workflow `name`, whose execution input is `contract`. */
export function firstStateHandler<Contract extends zc.$ZodType>(name: string, contract: Contract) {
  return async (event: unknown): Promise<FirstState<zc.output<Contract>>> => validateFirstState(name, contract, event);
}
