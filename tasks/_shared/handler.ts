import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../contracts/errors.ts';
import type { TaskName } from '../../contracts/steps.ts';
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

/**
 * Builds the Lambda handler of a step: check the slice of the state document the step reads at the boundary
 * (InvalidInputError naming the field, a missing earlier result included), add the correlation keys to the
 * logger, delegate to the core. Unknown errors propagate unchanged (Lambda reports their name).
 */
export function stepHandler<State, Result>(
  slice: StateSlice<State>,
  stepName: TaskName,
  run: (state: State) => Promise<Result>,
): (event: unknown, context?: Context) => Promise<Result> {
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    const state = slice.check(event, `${stepName} input`);
    logger.appendKeys({ ...correlationKeys(state), step: stepName });
    return run(state);
  };
}

/**
 * Builds the Lambda handler of a step that runs under a waiting task's token (`.waitForTaskToken`): its payload is
 * `{ state, taskToken }` (the state document and `$$.Task.Token`); the state is checked as stepHandler checks it.
 */
export function waitingStepHandler<State, Result>(
  slice: StateSlice<State>,
  stepName: TaskName,
  run: (state: State, taskToken: string) => Promise<Result>,
): (event: unknown, context?: Context) => Promise<Result> {
  return async (event, context) => {
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
}

/** Reads a required environment variable set by the stack. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}
