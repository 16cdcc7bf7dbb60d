/**
 * What Step Functions takes as an execution's input, checked before anything else reads it: the CLI, the local
 * runner (as StartExecution refuses it); the first state checks the size again (first-state.ts).
 */
import { MAX_INPUT_BYTES } from './limits.ts';
import { inspectRawInput } from './raw-input.ts';

/**
 * How deep an input may nest. No workflow's input nests deeper than 8 levels; deeper is a mistake, and would
 * exhaust the stack of code that walks it (hashing, JSON). Our limit: Step Functions documents none.
 */
const MAX_EXECUTION_INPUT_DEPTH = 32;

/** How deep `value` nests (a scalar is 0, `{}` or `[]` is 1), counted without recursion, stopping past `limit`. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) pending.push([child, level]);
  }
  return deepest;
}

/** Why Step Functions (or this project) would not take `input` as an execution's input, or undefined. */
export function executionInputProblem(input: unknown): string | undefined {
  if (depthOf(input, MAX_EXECUTION_INPUT_DEPTH) > MAX_EXECUTION_INPUT_DEPTH) {
    return `the input nests deeper than ${MAX_EXECUTION_INPUT_DEPTH} levels; no workflow's input nests that deep`;
  }
  const { bytes, truncated } = inspectRawInput(input ?? {}, MAX_INPUT_BYTES);
  if (bytes > MAX_INPUT_BYTES) {
    return `the input is ${truncated ? 'more than ' : ''}${bytes} bytes of JSON; Step Functions accepts at most ${MAX_INPUT_BYTES} (256 KiB)`;
  }
  return undefined;
}
