/**
 * Redrive, as Step Functions documents it (Developer Guide, "Redriving executions":
 * https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html, and the RedriveExecution API
 * reference: https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html), for the local
 * runner. Redrivable: a Standard execution FAILED, ABORTED or TIMED_OUT less than 14 days ago, within a year of its
 * start, whose history can take more events; it continues "from the unsuccessful step" with the input it had, keeps
 * the results of the successful steps without rerunning them, and runs the same definition under the same ARN.
 *
 * aws-local-stepfunctions 3 has no redrive of its own, so a redrive runs a definition derived from the execution's
 * own: it starts at the state the execution did not finish (the one entered and never exited, "the unsuccessful
 * step") with the input that state was entered with, so the states that succeeded are not run again. A state
 * entered afresh gets its retry counts and its timeout from zero, as on AWS.
 *
 * An Inline Map left unfinished redrives only its unsuccessful iterations ("RedriveExecution ... reschedules and
 * redrives only the iterations and branches that failed or aborted"): an iteration that succeeded gives its recorded
 * output without running, one that failed or was aborted resumes at its own unfinished state with its recorded input,
 * and one that never started starts. Redriving into a Parallel state, or into a Map or Parallel nested in a Map
 * iteration, is refused: no workflow of this project needs it yet, and the library's events do not say which branch
 * an event belongs to.
 *
 * The states this module adds to a derived definition are named with REDRIVE_STATE_PREFIX; the runner keeps their
 * events in the execution's journal (a later redrive reads them) and out of what callers see.
 */
import type { ExecutionEvent } from './runner.ts';

/** How long after an execution stops it can still be redriven ("the redrivable period of 14 days"). */
export const REDRIVABLE_PERIOD_MS = 14 * 24 * 60 * 60 * 1000;
/** Step Functions' maximum open time of an execution: one year. */
const MAX_EXECUTION_TIME_MS = 365 * 24 * 60 * 60 * 1000;
/** A redrive appends to the history, which may not exceed 25,000 events: at 24,999 it is refused. */
const REDRIVE_HISTORY_EVENT_LIMIT = 24_999;
/** The start of the name of every state a redrive adds to a definition. */
const REDRIVE_STATE_PREFIX = 'SmwfRedrive';

/** RedriveExecution refused the execution; the message says why, in Step Functions' words. */
export class ExecutionNotRedrivableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionNotRedrivable';
  }
}

/** What a redrive needs to know of an execution. */
export interface RedrivableExecution {
  readonly executionArn: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly startDate: number;
  readonly stopDate?: number;
  /** Every event of every attempt so far, oldest first. */
  readonly history: readonly ExecutionEvent[];
}

/**
 * Why the execution cannot be redriven now (the `redriveStatusReason` DescribeExecution gives), or undefined when it
 * can. The reasons and their order are the API reference's.
 */
export function notRedrivableReason(execution: RedrivableExecution, now: number): string | undefined {
  if (execution.status === 'RUNNING') return 'Execution is RUNNING and cannot be redriven';
  if (execution.status === 'SUCCEEDED') return 'Execution is SUCCEEDED and cannot be redriven';
  if (execution.history.length >= REDRIVE_HISTORY_EVENT_LIMIT) return 'Execution history event limit exceeded';
  if (now - execution.startDate > MAX_EXECUTION_TIME_MS) return 'Execution has exceeded the max execution time';
  if (execution.stopDate !== undefined && now - execution.stopDate > REDRIVABLE_PERIOD_MS) {
    return 'Execution redrivable period exceeded';
  }
  return undefined;
}

type State = Record<string, unknown>;
type States = Record<string, State>;
interface Definition {
  StartAt: string;
  States: States;
  [key: string]: unknown;
}

/** Where a container of states (the whole machine, or one Map iteration) left off. */
type Progress =
  | { readonly kind: 'resume'; readonly state: string; readonly input: unknown }
  | { readonly kind: 'done'; readonly output: unknown }
  | { readonly kind: 'none' };

const isRedriveState = (name: string) => name.startsWith(REDRIVE_STATE_PREFIX);

function isTerminal(state: State): boolean {
  return state.End === true || state.Type === 'Succeed' || state.Type === 'Fail';
}

/**
 * Where the states of one container left off, from their Entered and Exited events in order: the state entered and
 * not exited, with the input it was entered with; else the state after the last one exited (its `Next`, with the
 * exited state's output; a Choice is entered again, with its input, to decide); else done, or never started.
 */
function progressOf(states: States, events: readonly ExecutionEvent[]): Progress {
  let open: { state: string; input: unknown } | undefined;
  let lastExit: { state: string; input: unknown; output: unknown } | undefined;
  for (const event of events) {
    if (event.type !== 'StateEntered' && event.type !== 'StateExited') continue;
    const name = event.state.name;
    if (states[name] === undefined) continue;
    if (event.type === 'StateEntered') {
      open = { state: name, input: event.state.input };
    } else if (open !== undefined && open.state === name) {
      lastExit = { state: name, input: open.input, output: event.state.output };
      open = undefined;
    }
  }
  if (open) return { kind: 'resume', ...open };
  if (!lastExit) return { kind: 'none' };
  const state = states[lastExit.state] as State;
  if (state.Type === 'Choice') return { kind: 'resume', state: lastExit.state, input: lastExit.input };
  if (isTerminal(state)) return { kind: 'done', output: lastExit.output };
  return { kind: 'resume', state: String(state.Next), input: lastExit.output };
}

const topLevel = (event: ExecutionEvent) => !('index' in event) || event.index === undefined;

/** The events of each attempt at the top-level state `name` (split where it was entered or retried), oldest first. */
function attemptsAt(name: string, history: readonly ExecutionEvent[]): ExecutionEvent[][] {
  const attempts: ExecutionEvent[][] = [];
  let current: ExecutionEvent[] | undefined;
  for (const event of history) {
    const atState =
      (event.type === 'StateEntered' || event.type === 'StateRetried') && topLevel(event) && event.state.name === name;
    if (atState) {
      current = [];
      attempts.push(current);
    } else if (event.type === 'ExecutionRedriven' || event.type === 'ExecutionStarted') {
      current = undefined;
    } else {
      current?.push(event);
    }
  }
  return attempts;
}

function iterationEvents(attempt: readonly ExecutionEvent[], mapState: string, index: number): ExecutionEvent[] {
  return attempt.filter((event) => {
    if (!('index' in event) || event.index !== index) return false;
    if ('parentState' in event) return event.parentState.name === mapState;
    return true;
  });
}

/** Where one Map iteration left off: in the latest attempt of the Map that ran it at all. */
function iterationProgress(
  itemStates: States,
  mapState: string,
  attempts: ExecutionEvent[][],
  index: number,
): Progress {
  for (let a = attempts.length - 1; a >= 0; a -= 1) {
    const events = iterationEvents(attempts[a] as ExecutionEvent[], mapState, index);
    if (events.length === 0) continue;
    const succeeded = events.find((e) => e.type === 'MapIterationSucceeded');
    if (succeeded && 'output' in succeeded) return { kind: 'done', output: succeeded.output };
    const progress = progressOf(itemStates, events);
    if (progress.kind !== 'none') return progress;
  }
  return { kind: 'none' };
}

/** The iteration indexes a Map's attempts ran, from the events that carry them. */
function iterationIndexes(mapState: string, attempts: readonly ExecutionEvent[][]): number[] {
  const indexes = new Set<number>();
  for (const attempt of attempts) {
    for (const event of attempt) {
      if (!('index' in event) || typeof event.index !== 'number') continue;
      if ('parentState' in event && event.parentState.name !== mapState) continue;
      indexes.add(event.index);
    }
  }
  return [...indexes].sort((a, b) => a - b);
}

/** A Pass state that outputs `value` (wrapped, so that a falsy value is output as it is). */
function passValue(value: unknown, next: { Next: string } | { End: true }): State {
  return { Type: 'Pass', Result: { value }, OutputPath: '$.value', ...next };
}

/**
 * The Map state `name` of a derived definition: each iteration first goes through a Choice on its index that gives
 * a succeeded iteration's output, or resumes an unfinished one at its state with its input; any other starts as it
 * would have.
 */
function redrivenMap(name: string, map: State, history: readonly ExecutionEvent[]): State {
  const processorKey = map.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
  const processor = map[processorKey] as Definition;
  const attempts = attemptsAt(name, history);
  const choices: State[] = [];
  const added: States = {};
  for (const index of iterationIndexes(name, attempts)) {
    const progress = iterationProgress(processor.States, name, attempts, index);
    if (progress.kind === 'none') continue;
    const stateName = `${REDRIVE_STATE_PREFIX}Iteration${index}`;
    if (progress.kind === 'resume') {
      const target = processor.States[progress.state] as State;
      if (target.Type === 'Map' || target.Type === 'Parallel') {
        throw new ExecutionNotRedrivableError(
          `The local runner does not redrive into the ${target.Type} state ${progress.state} nested in the Map state ${name}`,
        );
      }
      added[stateName] = passValue(progress.input, { Next: progress.state });
    } else {
      added[stateName] = passValue(progress.output, { End: true });
    }
    choices.push({ Variable: `$.${REDRIVE_STATE_PREFIX}Index`, NumericEquals: index, Next: stateName });
  }
  const selector = (map.ItemSelector ?? map.Parameters) as Record<string, unknown> | undefined;
  if (selector !== undefined && (typeof selector !== 'object' || Array.isArray(selector))) {
    throw new ExecutionNotRedrivableError(
      `The local runner does not redrive the Map state ${name}: its ItemSelector is not an object`,
    );
  }
  const start = `${REDRIVE_STATE_PREFIX}Start`;
  const dispatch = `${REDRIVE_STATE_PREFIX}Iteration`;
  const { Parameters: _parameters, ItemSelector: _itemSelector, ...rest } = map;
  const dispatchState: State =
    choices.length > 0 ? { Type: 'Choice', Choices: choices, Default: start } : { Type: 'Pass', Next: start };
  return {
    ...rest,
    ItemSelector: {
      [`${REDRIVE_STATE_PREFIX}Index.$`]: '$$.Map.Item.Index',
      ...(selector === undefined
        ? { [`${REDRIVE_STATE_PREFIX}Item.$`]: '$$.Map.Item.Value' }
        : { [`${REDRIVE_STATE_PREFIX}Item`]: selector }),
    },
    [processorKey]: {
      ...processor,
      StartAt: dispatch,
      States: {
        [dispatch]: dispatchState,
        [start]: { Type: 'Pass', InputPath: `$.${REDRIVE_STATE_PREFIX}Item`, Next: processor.StartAt },
        ...added,
        ...processor.States,
      },
    },
  };
}

/** The execution facts a redriven definition keeps as they were (Step Functions' context object). */
interface OriginalExecution {
  /** The execution's input, as it was started. */
  readonly input: unknown;
  /** When it was first started (ISO 8601), not when it was redriven. */
  readonly startTime: string;
}

const CONTEXT_CONSTANTS = ['$$.Execution.Input', '$$.Execution.StartTime'] as const;
/** The fields of a state that are payload templates (`"key.$": path` pairs). */
const TEMPLATE_FIELDS = new Set(['Parameters', 'ItemSelector', 'ResultSelector']);
/** The fields of a state that hold data or prose, not paths. */
const DATA_FIELDS = new Set(['Result', 'Comment']);
/** The fields of a state that hold nested state machines. */
const NESTED_FIELDS = new Set(['ItemProcessor', 'Iterator', 'Branches']);

function contextValue(path: string, original: OriginalExecution): { found: boolean; value?: unknown } {
  if (path === '$$.Execution.StartTime') return { found: true, value: original.startTime };
  if (path === '$$.Execution.Input') return { found: true, value: original.input };
  if (!path.startsWith('$$.Execution.Input.')) return { found: false };
  let node: unknown = original.input;
  for (const key of path.slice('$$.Execution.Input.'.length).split('.')) {
    if (!/^[A-Za-z0-9_-]+$/.test(key) || node === null || typeof node !== 'object') return { found: false };
    node = (node as Record<string, unknown>)[key];
  }
  return { found: true, value: node };
}

function refuseContextUse(value: unknown, where: string): void {
  const text = JSON.stringify(value) ?? '';
  const used = CONTEXT_CONSTANTS.find((path) => text.includes(path));
  if (used !== undefined) {
    throw new ExecutionNotRedrivableError(
      `The local runner cannot redrive ${where}: it reads ${used} where the runner cannot give it the original value`,
    );
  }
}

/** A payload template with every `"key.$": "$$.Execution.Input..."` or `StartTime` field made a constant. */
function templateWithOriginalContext(template: unknown, original: OriginalExecution, where: string): unknown {
  if (Array.isArray(template)) return template.map((item) => templateWithOriginalContext(item, original, where));
  if (template === null || typeof template !== 'object') return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template as Record<string, unknown>)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      const constant = contextValue(value, original);
      if (constant.found) {
        out[key.slice(0, -2)] = constant.value;
        continue;
      }
      refuseContextUse(value, where);
    }
    out[key] = templateWithOriginalContext(value, original, where);
  }
  return out;
}

/**
 * aws-local-stepfunctions sets `$$.Execution.Input` and `$$.Execution.StartTime` from the run it is given, which for a
 * redrive is the redrive's own. So every payload template field that reads them gets the original value written in
 * as a constant; any other use of them (an intrinsic function, a path field) is refused rather than given the wrong
 * value.
 */
function statesWithOriginalContext(states: States, original: OriginalExecution): States {
  const out: States = {};
  for (const [name, state] of Object.entries(states)) {
    const where = `the state ${name}`;
    const copy: State = {};
    for (const [field, value] of Object.entries(state)) {
      if (TEMPLATE_FIELDS.has(field)) copy[field] = templateWithOriginalContext(value, original, where);
      else if (field === 'Branches') {
        copy[field] = (value as Definition[]).map((branch) => ({
          ...branch,
          States: statesWithOriginalContext(branch.States, original),
        }));
      } else if (NESTED_FIELDS.has(field)) {
        const nested = value as Definition;
        copy[field] = { ...nested, States: statesWithOriginalContext(nested.States, original) };
      } else {
        if (!DATA_FIELDS.has(field)) refuseContextUse(value, where);
        copy[field] = value;
      }
    }
    out[name] = copy;
  }
  return out;
}

/** A redrive: the definition to run and the input to run it with. */
interface RedriveRun {
  readonly definition: Definition;
  readonly input: unknown;
  /** The state the redrive starts at. */
  readonly resumeAt: string;
}

/**
 * The run that redrives an execution of `definition` whose history is `history`: it starts at the top-level state
 * entered and not exited, with the input it was entered with.
 */
export function redriveRun(
  definition: Readonly<Definition>,
  history: readonly ExecutionEvent[],
  original: OriginalExecution,
): RedriveRun {
  const progress = progressOf(definition.States, history.filter(topLevel));
  if (progress.kind === 'done') {
    throw new ExecutionNotRedrivableError('Execution is SUCCEEDED and cannot be redriven');
  }
  const resumeAt = progress.kind === 'resume' ? progress.state : definition.StartAt;
  const input = progress.kind === 'resume' ? progress.input : original.input;
  const states = statesWithOriginalContext(definition.States, original);
  const state = states[resumeAt] as State;
  if (state.Type === 'Parallel') {
    throw new ExecutionNotRedrivableError(`The local runner does not redrive into the Parallel state ${resumeAt}`);
  }
  if (state.Type === 'Map') states[resumeAt] = redrivenMap(resumeAt, state, history);
  return { definition: { ...definition, StartAt: resumeAt, States: states }, input, resumeAt };
}

/** Whether an event belongs to a state a redrive added (kept in the journal, not shown). */
export function isRedriveStateEvent(event: ExecutionEvent): boolean {
  return 'state' in event && event.state !== undefined && isRedriveState(event.state.name);
}
