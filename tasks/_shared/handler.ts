import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../contracts/errors.ts';
import type { MayWriteOf, STEPS, TaskName, WritesOf } from '../../contracts/steps.ts';
import { logger } from './logger.ts';
import type { StateSlice } from './state-slice.ts';

/** The correlation keys a state document offers, where present: endpoint, transform job, source, execution. */
function correlationKeys(state: unknown): Record<string, string> {
  const doc = (state ?? {}) as {
    request?: { endpointName?: unknown; source?: unknown };
    run?: { jobName?: unknown };
    execution?: { name?: unknown };
  };
  const keys: Record<string, unknown> = {
    endpoint: doc.request?.endpointName,
    job: doc.run?.jobName,
    source: doc.request?.source,
    execution: doc.execution?.name,
  };
  return Object.fromEntries(
    Object.entries(keys).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** The keys of any member of a union (`keyof` of a union keeps only the keys all members share). */
type KeysOfAnyMember<T> = T extends unknown ? keyof T : never;

/** What the result of step `Name` must be: its input with the fields it always writes, or those fields alone. */
type StepResult<Name extends TaskName, State> = (typeof STEPS)[Name]['returns'] extends 'input-and-writes'
  ? State & { [Field in WritesOf<Name>]: unknown }
  : { [Field in WritesOf<Name>]: unknown };

/** The fields a step's result has that contracts/steps.ts does not declare it writes (none, or the compiler says which). */
type UndeclaredWrites<Name extends TaskName, State, Result> = Exclude<
  KeysOfAnyMember<Result>,
  WritesOf<Name> | MayWriteOf<Name> | ((typeof STEPS)[Name]['returns'] extends 'input-and-writes' ? keyof State : never)
>;

/** A step's Lambda handler, with the slice of the state document it reads (which test/workflows/state-flow reads). */
export type StepHandler<State, Result> = ((event: unknown, context?: Context) => Promise<Result>) & {
  readonly slice: StateSlice<State>;
};

/**
 * Builds the Lambda handler of a step: check the slice of the state document the step reads at the boundary
 * (InvalidInputError naming the field, a missing earlier result included), add the correlation keys to the
 * logger, delegate to the core. Unknown errors propagate unchanged (Lambda reports their name). The compiler holds
 * the result to what contracts/steps.ts declares the step writes: every field it always writes is there, and a
 * field it does not declare is an error naming that field.
 */
export function stepHandler<Name extends TaskName, State, Result extends StepResult<Name, State>>(
  slice: StateSlice<State>,
  stepName: Name,
  run: (state: State) => Promise<Result>,
  ...undeclared: [UndeclaredWrites<Name, State, Result>] extends [never]
    ? []
    : [writesNotDeclaredInContractsSteps: UndeclaredWrites<Name, State, Result>]
): StepHandler<State, Result> {
  void undeclared;
  const handler = async (event: unknown, context?: Context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    const state = slice.check(event, `${stepName} input`);
    logger.appendKeys({ ...correlationKeys(state), step: stepName });
    return run(state);
  };
  return Object.assign(handler, { slice });
}

/**
 * Builds the Lambda handler of a step that runs under a waiting task's token (`.waitForTaskToken`): its payload is
 * `{ state, taskToken }` (the state document and `$$.Task.Token`); the state is checked as stepHandler checks it, and
 * the compiler holds the result (the state document the wait completes with, before the wait adds what
 * contracts/steps.ts says it `completes` with) to the step's declaration as it holds stepHandler's.
 */
export function waitingStepHandler<Name extends TaskName, State, Result extends StepResult<Name, State>>(
  slice: StateSlice<State>,
  stepName: Name,
  run: (state: State, taskToken: string) => Promise<Result>,
  ...undeclared: [UndeclaredWrites<Name, State, Result>] extends [never]
    ? []
    : [writesNotDeclaredInContractsSteps: UndeclaredWrites<Name, State, Result>]
): StepHandler<State, Result> {
  void undeclared;
  const handler = async (event: unknown, context?: Context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    const payload = (event ?? {}) as { state?: unknown; taskToken?: unknown };
    if (typeof payload.taskToken !== 'string' || payload.taskToken === '') {
      throw new InvalidInputError(`${stepName} input: taskToken: expected the task token ($$.Task.Token), a string`);
    }
    const state = slice.check(payload.state, `${stepName} input state`);
    logger.appendKeys({ ...correlationKeys(state), step: stepName });
    return run(state, payload.taskToken);
  };
  return Object.assign(handler, { slice });
}

/** Reads a required environment variable set by the stack. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}
