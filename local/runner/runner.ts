/**
 * The local runner: runs the synthesized state machines in aws-local-stepfunctions with every Lambda task
 * mapped to its registered handler, in-process. Wait states are shortened, retries wait less, and every
 * state event is streamed so callers can show progress. Every execution keeps its history, in a journal in the
 * state directory when one is given, so that a failed, aborted or timed-out execution can be redriven (redrive.ts),
 * by this process or another.
 */
import { randomUUID } from 'node:crypto';
import { executionInputProblem } from '../../contracts/execution-input.ts';
import {
  EXECUTION_STATUS_CHANGE,
  type ExecutionStatusChangeDetail,
} from '../../contracts/parts/execution-status-change.ts';
import './polyfills.ts';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { TaskHandler } from '../../tasks/registry.ts';
import { ExecutionJournals, type JournalStart, processExists } from './execution-journal.ts';
import { stopFailedMapsQueues } from './failed-maps.ts';
import { loadHandlerModule } from './handler-modules.ts';
import { invokeLikeLambda } from './lambda-invoke.ts';
import { type Caller, callerOf, permissionsEnabledByEnvironment, runAs } from './permissions/enforcement.ts';
import {
  ExecutionNotRedrivableError,
  isRedriveStateEvent,
  notRedrivableReason,
  type RedrivableExecution,
  redriveRun,
} from './redrive.ts';
import {
  DEFAULT_LOCAL_IDENTITY,
  type LocalAwsIdentity,
  loadSynthesizedWorkflows,
  type SynthesizedFunction,
  type SynthesizedWorkflows,
} from './synthesize.ts';
import { mintTaskToken, TASK_TOKEN_PLACEHOLDER, TaskTokens } from './task-tokens.ts';
import { validatedStateMachine } from './valid-definitions.ts';

type EventLog = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'];

/** The event that opens each redrive of an execution in its history (Step Functions' ExecutionRedriven). */
interface ExecutionRedrivenEvent {
  readonly type: 'ExecutionRedriven';
  readonly timestamp: number;
  /** How many times the execution has been redriven, this one included. */
  readonly redriveCount: number;
}

/** One event of an execution, as aws-local-stepfunctions reports it, plus how long a state took. */
export type ExecutionEvent = (NonNullable<EventLog> | ExecutionRedrivenEvent) & { durationMs?: number };

/**
 * A state's entry by name and Map iteration: the iterations of a Map run the same states at once, and each one's
 * duration is its own.
 */
function stateKey(event: { state: { name: string }; index?: number | undefined }): string {
  return event.index === undefined ? event.state.name : `${event.index}/${event.state.name}`;
}

/** The status of an execution, as DescribeExecution reports it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** How an execution ended. */
export interface ExecutionResult {
  readonly status: Exclude<ExecutionStatus, 'RUNNING'>;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly events: readonly ExecutionEvent[];
  /** State transitions, counted as Step Functions bills them: states entered plus retries. */
  readonly transitions: number;
  /**
   * Seconds the Wait states asked for, and the heartbeats of waiting tasks that ran out (what the execution would
   * have waited on AWS, short of the time a waiting task waited for its callback).
   */
  readonly waitedSeconds: number;
  readonly durationMs: number;
  /** How many times the execution had been redriven when this attempt ended (0: never). */
  readonly redriveCount: number;
}

/** An execution as DescribeExecution reports it (times in ms since the epoch). */
interface ExecutionDescription {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly workflow: string;
  readonly name: string;
  /** The execution input (JSON). */
  readonly input: string;
  readonly status: ExecutionStatus;
  readonly startDate: number;
  readonly stopDate?: number;
  /** The output (JSON), when it succeeded. */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly redriveCount: number;
  /** When it was last redriven. */
  readonly redriveDate?: number;
  readonly redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  readonly redriveStatusReason?: string;
}

/** One invocation of a Task state's function, as `interceptTask` sees it. */
interface TaskInvocation {
  readonly stateName: string;
  /** How many times this state's function has been invoked in this attempt of the execution, this one included. */
  readonly attempt: number;
  /** The payload the function gets. */
  readonly payload: unknown;
}

/** A started execution. */
export interface LocalExecution {
  readonly name: string;
  readonly arn: string;
  readonly result: Promise<ExecutionResult>;
  abort(): void;
}

/** Options of one execution. */
export interface StartOptions {
  /** The execution name; the same name and input return the same execution. @default - a random name */
  readonly name?: string;
  /** Called for every event as it happens. */
  readonly onEvent?: (event: ExecutionEvent) => void;
  /**
   * Called when a Wait state starts or a Retry waits, with the seconds it would wait on AWS (a retry's
   * interval without jitter), and when a waiting task's heartbeat runs out, with its HeartbeatSeconds; lets a test
   * advance a fake clock (time-skipping) while the execution itself waits only `waitTimeMs` / `retryIntervalMs` /
   * `heartbeatTimeMs`. Every task runs after the callbacks of earlier events.
   */
  readonly onWait?: (seconds: number, stateName: string, kind: 'wait' | 'retry' | 'heartbeat') => void;
  /**
   * Wraps each invocation of a Task state's function, retries included: `invoke` runs the handler as Lambda would
   * and resolves with the `lambda:invoke` result. Lets a test put a fault around a step (a result lost after the
   * handler ran, a failure, a crash of the emulator while it runs), or act between two states before calling
   * `invoke` (a change made by hand while the run is under way). @default - the invocation as it is
   */
  readonly interceptTask?: (task: TaskInvocation, invoke: () => Promise<unknown>) => Promise<unknown>;
  /** The runner's `heartbeatTimeMs`, for this execution. @default - the runner's */
  readonly heartbeatTimeMs?: number;
  /**
   * Arms each waiting task's heartbeat on the caller's clock instead of a timer of `heartbeatTimeMs`: `expire` is to be
   * called once `seconds` (the state's HeartbeatSeconds) have passed there; the returned function cancels it. A
   * benchmark on a fake clock, which moves time while tasks wait for their callbacks, passes it. @default - real timers
   */
  readonly scheduleHeartbeat?: (seconds: number, expire: () => void) => () => void;
}

/** Options of the runner. */
interface LocalRunnerOptions {
  /** How long every Wait state really waits, in milliseconds. @default 200 */
  readonly waitTimeMs?: number;
  /** How long every Retry really waits before the next attempt, in milliseconds. @default 50 */
  readonly retryIntervalMs?: number;
  /**
   * How long a waiting task's (`.waitForTaskToken`) HeartbeatSeconds (or, without one, TimeoutSeconds) really lasts,
   * in milliseconds: how soon a wait no callback completes falls back. @default the `waitTimeMs`
   */
  readonly heartbeatTimeMs?: number;
  /** Account and region of the local ARNs. @default 123456789012 / us-east-1 */
  readonly identity?: LocalAwsIdentity;
  /** Handlers to use instead of the registered ones, by task name (tests of the runner itself). */
  readonly handlers?: Partial<Record<string, TaskHandler>>;
  /** Definitions and functions to run instead of the (cached) synthesis of the app. */
  readonly workflows?: SynthesizedWorkflows;
  /**
   * Check every AWS call a step makes against its function's role policy, as AWS would (local/runner/permissions).
   * @default true, unless the environment sets SMWF_PERMISSIONS=off
   */
  readonly permissions?: boolean;
  /**
   * Where each execution's journal goes (the local state directory's `executions/`: execution-journal.ts), so that
   * another process can describe it and redrive it. @default - executions are known to this runner only
   */
  readonly executionRecordsDir?: string;
  /** The clock redrive eligibility is judged on (the 14-day redrivable period), in ms. @default Date.now */
  readonly now?: () => number;
}

/** Runs the project's state machines locally. */
export interface LocalRunner {
  readonly workflows: SynthesizedWorkflows;
  /** The resolved definition of a state machine. */
  definition(workflow: string): StateMachineDefinition;
  start(workflow: string, input: unknown, options?: StartOptions): LocalExecution;
  /**
   * Invokes a project function (by ARN) in-process with `payload`, as Lambda runs an asynchronous invocation, and
   * resolves with what its handler returned; rejects with LambdaFunctionError when the handler throws.
   */
  invokeFunction(functionArn: string, payload: unknown): Promise<unknown>;
  /**
   * An execution as DescribeExecution reports it: one this runner started, or one journaled in its records
   * directory by another process; undefined when none is known.
   */
  describeExecution(executionArn: string): ExecutionDescription | undefined;
  /** Every execution this runner knows (its own, and those journaled in its records directory). */
  listExecutions(): ExecutionDescription[];
  /**
   * RedriveExecution: continues a FAILED, ABORTED or TIMED_OUT execution from the state it did not finish, with the
   * input that state had, as Step Functions does (redrive.ts). Throws ExecutionNotRedrivableError (with Step
   * Functions' reason) or ExecutionDoesNotExistError.
   */
  redrive(executionArn: string, options?: StartOptions): LocalExecution;
  /**
   * Calls `listener` with each status change of an execution this runner runs (started or redriven: RUNNING; then how
   * it ended), as the event Step Functions sends to the default event bus. Returns the unsubscribe.
   */
  onExecutionStatusChange(listener: (event: ExecutionStatusChangeEvent) => void): () => void;
  /**
   * SendTaskSuccess: ends the waiting task of `taskToken` with `output` (JSON). Throws TaskTokenError: TaskTimedOut
   * for a task that has closed, InvalidToken for a token no task of this runner has, InvalidOutput for output that
   * is not JSON.
   */
  sendTaskSuccess(taskToken: string, output: string): void;
  /** SendTaskFailure: ends the waiting task of `taskToken` with `error` and `cause`. Throws as sendTaskSuccess. */
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void;
  /** SendTaskHeartbeat: the waiting task's heartbeat starts again. Throws as sendTaskSuccess. */
  sendTaskHeartbeat(taskToken: string): void;
}

/** An execution's status change as Step Functions sends it to EventBridge (contracts/parts/execution-status-change). */
interface ExecutionStatusChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': typeof EXECUTION_STATUS_CHANGE.detailType;
  readonly source: typeof EXECUTION_STATUS_CHANGE.source;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: ExecutionStatusChangeDetail & {
    readonly input: string;
    readonly output: string | null;
    readonly error: string | null;
    readonly cause: string | null;
    readonly redriveCount: number;
  };
}

/** Raised when no execution has the ARN asked for. */
class ExecutionDoesNotExistError extends Error {
  constructor(executionArn: string) {
    super(`Execution Does Not Exist: '${executionArn}'`);
    this.name = 'ExecutionDoesNotExist';
  }
}

export { ExecutionNotRedrivableError } from './redrive.ts';
export { TaskTokenError } from './task-tokens.ts';

/** Raised when an input is too large or too deep for an execution, as StartExecution refuses it. */
export class ExecutionInputRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

/** Raised when an execution name is reused with a different input, as StartExecution does. */
export class ExecutionAlreadyExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionAlreadyExists';
  }
}

type States = Record<string, Record<string, unknown>>;

/** Every state of a definition, including those inside Map and Parallel states. */
export function allStates(definition: { States?: unknown }): [string, Record<string, unknown>][] {
  const found: [string, Record<string, unknown>][] = [];
  for (const [name, state] of Object.entries((definition.States ?? {}) as States)) {
    found.push([name, state]);
    const nested = [state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[] | undefined) ?? [])];
    for (const child of nested) {
      if (child && typeof child === 'object') found.push(...allStates(child as { States?: unknown }));
    }
  }
  return found;
}

function secondsRequested(state: Record<string, unknown>, input: unknown): number {
  if (typeof state.Seconds === 'number') return state.Seconds;
  if (typeof state.SecondsPath === 'string') {
    let node: unknown = input;
    for (const key of state.SecondsPath.replace(/^\$\.?/, '')
      .split('.')
      .filter(Boolean)) {
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
    return typeof node === 'number' ? node : 0;
  }
  const timestamp = state.Timestamp;
  if (typeof timestamp === 'string') return Math.max(0, (Date.parse(timestamp) - Date.now()) / 1000);
  return 0;
}

/** How long Step Functions waits before retry `attempt` (1-based), without jitter. */
function retryDelaySeconds(
  retrier: { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number },
  attempt: number,
): number {
  const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** Math.max(0, attempt - 1);
  return retrier.MaxDelaySeconds !== undefined ? Math.min(interval, retrier.MaxDelaySeconds) : interval;
}

/**
 * Loads the synthesized app (from the synthesis cache when its sources are unchanged) and prepares a runner.
 * Sets each function's environment variables (resolved to local values) on `process.env` before any handler
 * module loads, as Lambda would.
 */
export async function createLocalRunner(options: LocalRunnerOptions = {}): Promise<LocalRunner> {
  stopFailedMapsQueues();
  const identity = options.identity ?? DEFAULT_LOCAL_IDENTITY;
  const workflows = options.workflows ?? (await loadSynthesizedWorkflows(identity));
  for (const fn of workflows.functions.values()) {
    for (const [key, value] of Object.entries(fn.environment)) process.env[key] ??= value;
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

  const handlerCache = new Map<string, Promise<TaskHandler>>();
  // The same module the function's bundle starts from (its code tag), loaded on first use (handler-modules.ts).
  const handlerFor = (fn: SynthesizedFunction): Promise<TaskHandler> => {
    const override = options.handlers?.[fn.task];
    if (override) return Promise.resolve(override);
    let loaded = handlerCache.get(fn.code);
    if (!loaded) {
      loaded = loadHandlerModule(fn.code).then((module) => module.handler);
      handlerCache.set(fn.code, loaded);
    }
    return loaded;
  };

  const checkPermissions = options.permissions ?? permissionsEnabledByEnvironment();
  const callerCache = new Map<string, Caller>();
  // A handler runs as its function's role: each AWS call it makes is checked against the role's policy.
  const invoke = (fn: SynthesizedFunction, handler: TaskHandler, payload: unknown) => {
    if (!checkPermissions) return invokeLikeLambda(fn, handler, payload);
    let caller = callerCache.get(fn.arn);
    if (caller === undefined) {
      caller = callerOf(fn, workflows, identity.account);
      callerCache.set(fn.arn, caller);
    }
    return runAs(caller, () => invokeLikeLambda(fn, handler, payload));
  };

  const now = options.now ?? Date.now;
  const journals = options.executionRecordsDir ? new ExecutionJournals(options.executionRecordsDir) : undefined;
  const executions = new Map<string, Tracked>();

  const definitionOf = (workflow: string): Record<string, unknown> => {
    const found = workflows.definitions[workflow];
    if (found === undefined) {
      throw new Error(`No state machine ${workflow} (one of ${Object.keys(workflows.definitions).join(', ')})`);
    }
    return found;
  };
  const definition = (workflow: string) => definitionOf(workflow) as unknown as StateMachineDefinition;
  // aws-local-stepfunctions validates a definition (asl-validator) each time a StateMachine is built: about 2
  // CPU-seconds for these definitions. A definition does not change while the runner lives, so it is validated once,
  // by its first execution (and not even then when an earlier process found it valid: valid-definitions.ts), and
  // every later one is built without validating it again. A redrive's definition is derived from one that was
  // validated (and its states before the one it resumes at are unreachable, which the validator would refuse), so it
  // is not validated.
  const validated = new WeakSet<object>();
  const machineFor = (def: Record<string, unknown>): StateMachine => {
    const machine = validated.has(def)
      ? new StateMachine(def as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } })
      : validatedStateMachine(def, { checkArn: false });
    validated.add(def);
    return machine;
  };

  const tokens = new TaskTokens();
  const localHandlers = (
    def: Record<string, unknown>,
    executionArn: string,
    startOptions: StartOptions,
    inFlight: Set<Promise<unknown>>,
    onHeartbeatExpired: (seconds: number) => void,
  ) => {
    const handlers: Record<string, (input: never) => Promise<never>> = {};
    const invocations = new Map<string, number>();
    for (const [stateName, state] of allStates(def)) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
      const isInvoke = /^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource);
      const waitsForToken = isInvoke && resource.endsWith('.waitForTaskToken');
      const functionArn = isInvoke ? String(parameters.FunctionName) : resource;
      const fn = workflows.functions.get(functionArn);
      if (fn === undefined) {
        throw new Error(`State ${stateName} calls ${functionArn}, which is not a registered task function`);
      }
      handlers[stateName] = (async (input: unknown) => {
        // Let the event stream deliver everything before this task (so onWait has moved a fake clock).
        await new Promise((resolve) => setImmediate(resolve));
        const handler = await handlerFor(fn);
        const token = waitsForToken ? mintTaskToken(executionArn, stateName) : undefined;
        const given = isInvoke ? (input as { Payload?: unknown }).Payload : input;
        const payload = token === undefined ? given : withTaskToken(given, token);
        const call = () => invoke(fn, handler, payload);
        const attempt = (invocations.get(stateName) ?? 0) + 1;
        invocations.set(stateName, attempt);
        const start = () => {
          const running = startOptions.interceptTask
            ? (startOptions.interceptTask({ stateName, attempt, payload }, call) as ReturnType<typeof call>)
            : call();
          inFlight.add(running);
          void running.then(
            () => inFlight.delete(running),
            () => inFlight.delete(running),
          );
          return running;
        };
        if (token !== undefined) {
          // The task's result is what SendTaskSuccess gives, not what the function returns.
          return (await tokens.wait(
            token,
            executionArn,
            {
              ...(typeof state.HeartbeatSeconds === 'number' ? { heartbeatSeconds: state.HeartbeatSeconds } : {}),
              ...(typeof state.TimeoutSeconds === 'number' ? { timeoutSeconds: state.TimeoutSeconds } : {}),
              realMs: startOptions.heartbeatTimeMs ?? options.heartbeatTimeMs ?? options.waitTimeMs ?? 200,
              ...(startOptions.scheduleHeartbeat ? { schedule: startOptions.scheduleHeartbeat } : {}),
              onExpired: (seconds) => {
                onHeartbeatExpired(seconds);
                startOptions.onWait?.(seconds, stateName, 'heartbeat');
              },
            },
            start,
          )) as never;
        }
        const result = await start();
        return isInvoke ? result : result.Payload;
      }) as never;
    }
    return handlers;
  };

  const statusListeners = new Set<(event: ExecutionStatusChangeEvent) => void>();
  const emitStatus = (
    tracked: Tracked,
    status: ExecutionStatus,
    ended?: { output?: unknown; error?: string; cause?: string },
  ): void => {
    if (statusListeners.size === 0) return;
    const time = Date.now();
    const event: ExecutionStatusChangeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': EXECUTION_STATUS_CHANGE.detailType,
      source: EXECUTION_STATUS_CHANGE.source,
      account: identity.account,
      time: new Date(time).toISOString(),
      region: identity.region,
      resources: [tracked.executionArn],
      detail: {
        executionArn: tracked.executionArn,
        stateMachineArn: tracked.stateMachineArn,
        name: tracked.name,
        status,
        startDate: tracked.start.startDate,
        stopDate: status === 'RUNNING' ? null : time,
        input: tracked.start.input,
        output: ended?.output !== undefined ? JSON.stringify(ended.output) : null,
        error: ended?.error ?? null,
        cause: ended?.cause ?? null,
        redriveCount: tracked.redriveCount,
      },
    };
    for (const listener of statusListeners) listener(event);
  };

  /** Runs one attempt of an execution (its start, or a redrive) and records what happens. */
  const launch = (
    tracked: Tracked,
    run: { definition: Record<string, unknown>; input: unknown },
    startOptions: StartOptions,
  ): LocalExecution => {
    const { executionArn: arn, name } = tracked;
    const redriveCount = tracked.redriveCount;
    const waitStates = allStates(run.definition).filter(([, s]) => s.Type === 'Wait');
    // The task invocations under way: an execution that stops runs no more states, but a function already invoked
    // runs to its end (as a Lambda invocation does), and may still create what it was asked to.
    const inFlight = new Set<Promise<unknown>>();
    const retryStates = allStates(run.definition).filter(([, s]) => Array.isArray(s.Retry));
    // Seconds the execution would have waited on AWS: its Wait states' and its waiting tasks' expired heartbeats.
    let waitedSeconds = 0;
    const runOptions: RunOptions = {
      overrides: {
        taskResourceLocalHandlers: localHandlers(run.definition, arn, startOptions, inFlight, (seconds) => {
          waitedSeconds += seconds;
        }) as never,
        waitTimeOverrides: Object.fromEntries(waitStates.map(([n]) => [n, options.waitTimeMs ?? 200])),
        retryIntervalOverrides: Object.fromEntries(retryStates.map(([n]) => [n, options.retryIntervalMs ?? 50])),
      },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: arn,
          Name: name,
          RoleArn: `arn:aws:iam::${identity.account}:role/local`,
          RedriveCount: redriveCount,
          ...(tracked.redriveDate !== undefined ? { RedriveTime: new Date(tracked.redriveDate).toISOString() } : {}),
        },
        StateMachine: { Id: tracked.stateMachineArn, Name: tracked.workflow },
        // Each waiting task's payload gets its own token in place of this one (localHandlers).
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    };
    const started = Date.now();
    const execution = machineFor(run.definition).run(run.input as never, runOptions);

    const events: ExecutionEvent[] = [];
    let transitions = 0;
    const enteredAt = new Map<string, number>();
    const waitDefinitions = new Map(waitStates);
    const record = (event: ExecutionEvent, pid?: number) => {
      tracked.history.push(event);
      journals?.append(arn, event, pid);
    };
    const collect = (async () => {
      for await (const raw of execution.eventLogs) {
        // A redrive's run starts where the execution left off: in its history, that is where it was redriven.
        if (raw.type === 'ExecutionStarted' && redriveCount > 0) {
          const redriven: ExecutionEvent = { type: 'ExecutionRedriven', timestamp: raw.timestamp, redriveCount };
          record(redriven, process.pid);
          events.push(redriven);
          startOptions.onEvent?.(redriven);
          continue;
        }
        const event: ExecutionEvent = { ...raw };
        record(event);
        // The states a redrive adds to lead each Map iteration back to where it was are its own business.
        if (isRedriveStateEvent(event)) continue;
        if ('state' in raw && raw.state) {
          if (raw.type === 'StateEntered') {
            transitions += 1;
            enteredAt.set(stateKey(raw), raw.timestamp);
            const wait = waitDefinitions.get(raw.state.name);
            if (wait) {
              const seconds = secondsRequested(wait, raw.state.input);
              waitedSeconds += seconds;
              startOptions.onWait?.(seconds, raw.state.name, 'wait');
            }
          } else if (raw.type === 'StateRetried') {
            transitions += 1;
            startOptions.onWait?.(retryDelaySeconds(raw.retry.retrier, raw.retry.attempt), raw.state.name, 'retry');
          } else if (raw.type === 'StateExited' || raw.type === 'StateFailed' || raw.type === 'StateCaught') {
            const entered = enteredAt.get(stateKey(raw));
            if (entered !== undefined) event.durationMs = raw.timestamp - entered;
          }
        }
        events.push(event);
        startOptions.onEvent?.(event);
      }
    })();

    const result = (async (): Promise<ExecutionResult> => {
      let status: ExecutionResult['status'] = 'SUCCEEDED';
      let output: unknown;
      let error: string | undefined;
      let cause: string | undefined;
      try {
        output = await execution.result;
      } catch (thrown) {
        status = (thrown as Error).name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
      }
      await collect;
      tokens.closeExecution(arn);
      const last = events.at(-1);
      if (last?.type === 'ExecutionFailed') {
        status = 'FAILED';
        error = last.Error;
        cause = typeof last.Cause === 'string' ? last.Cause : JSON.stringify(last.Cause);
      } else if (last?.type === 'ExecutionAborted') {
        status = 'ABORTED';
      }
      const ended = {
        ...(status === 'SUCCEEDED' ? { output } : {}),
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
      };
      // The status change of an execution stopped mid-task goes out once the invocations under way have ended, so
      // what reacts to it (the execution cleanup) sees what they created. Until then nothing else waits for it.
      if (inFlight.size === 0) emitStatus(tracked, status, ended);
      else void Promise.allSettled([...inFlight]).then(() => emitStatus(tracked, status, ended));
      return {
        status,
        ...(status === 'SUCCEEDED' ? { output } : {}),
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
        events,
        transitions,
        waitedSeconds,
        durationMs: Date.now() - started,
        redriveCount,
      };
    })();
    const local: LocalExecution = { name, arn, result, abort: () => execution.abort() };
    tracked.execution = local;
    emitStatus(tracked, 'RUNNING');
    return local;
  };

  const start = (workflow: string, input: unknown, startOptions: StartOptions = {}): LocalExecution => {
    const name = startOptions.name ?? `local-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const stateMachineArn = workflows.stateMachineArns[workflow] ?? '';
    const arn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const problem = executionInputProblem(input);
    if (problem !== undefined) throw new ExecutionInputRefusedError(`StartExecution refused ${workflow}: ${problem}`);
    const inputJson = JSON.stringify(input ?? {});
    const existing = executions.get(arn);
    if (existing?.execution) {
      if (existing.start.input === inputJson) return existing.execution;
      throw new ExecutionAlreadyExistsError(`Execution ${arn} already exists with a different input`);
    }
    const def = definitionOf(workflow);
    const journalStart: JournalStart = {
      executionArn: arn,
      stateMachineArn,
      workflow,
      name,
      input: inputJson,
      definition: def,
      startDate: Date.now(),
      pid: process.pid,
    };
    const tracked: Tracked = {
      executionArn: arn,
      stateMachineArn,
      workflow,
      name,
      start: journalStart,
      history: [],
      redriveCount: 0,
    };
    executions.set(arn, tracked);
    journals?.begin(journalStart);
    return launch(tracked, { definition: def, input: JSON.parse(inputJson) as unknown }, startOptions);
  };

  /** What this runner knows of an execution: its own, or one it reads from the journals (another process's). */
  const trackedOf = (executionArn: string): Tracked | undefined => {
    const own = executions.get(executionArn);
    if (own) return own;
    const journaled = journals?.read(executionArn);
    if (journaled === undefined) return undefined;
    const { start: begun, history, pid } = journaled;
    const redriven = history.filter((e) => e.type === 'ExecutionRedriven');
    const last = redriven.at(-1);
    return {
      executionArn,
      stateMachineArn: begun.stateMachineArn,
      workflow: begun.workflow,
      name: begun.name,
      start: begun,
      history,
      redriveCount: redriven.length,
      ...(last !== undefined ? { redriveDate: last.timestamp } : {}),
      ownerPid: pid,
    };
  };

  const describe = (tracked: Tracked): ExecutionDescription => {
    const ended = endOf(tracked.history);
    let status: ExecutionStatus = ended?.status ?? 'RUNNING';
    let stopDate = ended?.stopDate;
    // An execution whose process is gone can never move again.
    if (ended === undefined && tracked.ownerPid !== undefined && tracked.ownerPid !== process.pid) {
      if (!processExists(tracked.ownerPid)) {
        status = 'ABORTED';
        stopDate = tracked.history.at(-1)?.timestamp ?? tracked.start.startDate;
      }
    }
    const redrivable: RedrivableExecution = {
      executionArn: tracked.executionArn,
      status,
      startDate: tracked.start.startDate,
      ...(stopDate !== undefined ? { stopDate } : {}),
      history: tracked.history,
    };
    const reason = notRedrivableReason(redrivable, now());
    return {
      executionArn: tracked.executionArn,
      stateMachineArn: tracked.stateMachineArn,
      workflow: tracked.workflow,
      name: tracked.name,
      input: tracked.start.input,
      status,
      startDate: tracked.start.startDate,
      ...(stopDate !== undefined ? { stopDate } : {}),
      ...(ended?.output !== undefined ? { output: ended.output } : {}),
      ...(ended?.error !== undefined ? { error: ended.error } : {}),
      ...(ended?.cause !== undefined ? { cause: ended.cause } : {}),
      redriveCount: tracked.redriveCount,
      ...(tracked.redriveDate !== undefined ? { redriveDate: tracked.redriveDate } : {}),
      redriveStatus: reason === undefined ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      ...(reason !== undefined ? { redriveStatusReason: reason } : {}),
    };
  };

  const describeExecution = (executionArn: string): ExecutionDescription | undefined => {
    const tracked = trackedOf(executionArn);
    return tracked === undefined ? undefined : describe(tracked);
  };

  const listExecutions = (): ExecutionDescription[] => {
    const arns = new Set([...executions.keys(), ...(journals?.list() ?? []).map((s) => s.executionArn)]);
    return [...arns].flatMap((arn) => {
      const found = describeExecution(arn);
      return found ? [found] : [];
    });
  };

  const redrive = (executionArn: string, startOptions: StartOptions = {}): LocalExecution => {
    const tracked = trackedOf(executionArn);
    if (tracked === undefined) throw new ExecutionDoesNotExistError(executionArn);
    const described = describe(tracked);
    if (described.redriveStatusReason !== undefined) {
      throw new ExecutionNotRedrivableError(described.redriveStatusReason);
    }
    const run = redriveRun(tracked.start.definition as never, tracked.history, {
      input: JSON.parse(tracked.start.input) as unknown,
      startTime: new Date(tracked.start.startDate).toISOString(),
    });
    tracked.redriveCount += 1;
    tracked.redriveDate = now();
    tracked.ownerPid = process.pid;
    executions.set(executionArn, tracked);
    validated.add(run.definition);
    return launch(tracked, { definition: run.definition, input: run.input }, startOptions);
  };

  const invokeFunction = async (functionArn: string, payload: unknown): Promise<unknown> => {
    const fn = workflows.functions.get(functionArn);
    if (fn === undefined) throw new Error(`No project function ${functionArn} (it carries no code tag)`);
    return (await invoke(fn, await handlerFor(fn), payload)).Payload;
  };

  const onExecutionStatusChange = (listener: (event: ExecutionStatusChangeEvent) => void) => {
    statusListeners.add(listener);
    return () => {
      statusListeners.delete(listener);
    };
  };

  return {
    workflows,
    definition,
    start,
    invokeFunction,
    describeExecution,
    listExecutions,
    redrive,
    onExecutionStatusChange,
    sendTaskSuccess: (taskToken, output) => tokens.succeed(taskToken, output),
    sendTaskFailure: (taskToken, error, cause) => tokens.fail(taskToken, error, cause),
    sendTaskHeartbeat: (taskToken) => tokens.heartbeat(taskToken),
  };
}

/** `payload` with every occurrence of the token placeholder (`$$.Task.Token`) replaced by the task's own token. */
function withTaskToken(payload: unknown, token: string): unknown {
  if (payload === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(payload)) return payload.map((item) => withTaskToken(item, token));
  if (payload !== null && typeof payload === 'object') {
    return Object.fromEntries(Object.entries(payload).map(([key, value]) => [key, withTaskToken(value, token)]));
  }
  return payload;
}

/** An execution the runner knows: how it was started, its whole history, its current attempt. */
interface Tracked {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly workflow: string;
  readonly name: string;
  readonly start: JournalStart;
  /** Every event of every attempt, the states a redrive adds included. */
  readonly history: ExecutionEvent[];
  redriveCount: number;
  redriveDate?: number;
  /** The attempt running (or last run) in this process. */
  execution?: LocalExecution;
  /** The process that runs its latest attempt, when another process may (a journaled execution). */
  ownerPid?: number;
}

/** How the latest attempt in a history ended, or undefined while it runs. */
function endOf(
  history: readonly ExecutionEvent[],
):
  | { status: Exclude<ExecutionStatus, 'RUNNING'>; stopDate: number; output?: string; error?: string; cause?: string }
  | undefined {
  const last = history.at(-1);
  if (last === undefined) return undefined;
  switch (last.type) {
    case 'ExecutionSucceeded':
      return { status: 'SUCCEEDED', stopDate: last.timestamp, output: JSON.stringify(last.output ?? null) };
    case 'ExecutionFailed':
      return {
        status: 'FAILED',
        stopDate: last.timestamp,
        error: last.Error,
        cause: typeof last.Cause === 'string' ? last.Cause : JSON.stringify(last.Cause),
      };
    case 'ExecutionAborted':
      return { status: 'ABORTED', stopDate: last.timestamp };
    case 'ExecutionTimeout':
      return { status: 'TIMED_OUT', stopDate: last.timestamp };
    default:
      return undefined;
  }
}
