/**
 * The local runner: runs the synthesized state machines in aws-local-stepfunctions with every Lambda task
 * mapped to its registered handler, in-process. Wait states are shortened, retries wait less, and every
 * state event is streamed so callers can show progress.
 */
import { executionInputProblem } from '../../contracts/execution-input.ts';
import './polyfills.ts';
import { join } from 'node:path';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { projectRoot } from '../../infra/project-root.ts';
import type { TaskHandler } from '../../tasks/registry.ts';
import { invokeLikeLambda } from './lambda-invoke.ts';
import { type Caller, callerOf, permissionsEnabledByEnvironment, runAs } from './permissions/enforcement.ts';
import {
  type LocalAwsIdentity,
  loadSynthesizedWorkflows,
  type SynthesizedFunction,
  type SynthesizedWorkflows,
} from './synthesize.ts';

type EventLog = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'];

/** One event of an execution, as aws-local-stepfunctions reports it, plus how long a state took. */
export type ExecutionEvent = NonNullable<EventLog> & { durationMs?: number };

/** How an execution ended. */
export interface ExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly events: readonly ExecutionEvent[];
  /** State transitions, counted as Step Functions bills them: states entered plus retries. */
  readonly transitions: number;
  /** Seconds the Wait states asked for (what the execution would have waited on AWS). */
  readonly waitedSeconds: number;
  readonly durationMs: number;
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
   * interval without jitter); lets a test advance a fake clock (time-skipping) while the execution itself
   * waits only `waitTimeMs` / `retryIntervalMs`. Every task runs after the callbacks of earlier events.
   */
  readonly onWait?: (seconds: number, stateName: string, kind: 'wait' | 'retry') => void;
}

/** Options of the runner. */
export interface LocalRunnerOptions {
  /** How long every Wait state really waits, in milliseconds. @default 200 */
  readonly waitTimeMs?: number;
  /** How long every Retry really waits before the next attempt, in milliseconds. @default 50 */
  readonly retryIntervalMs?: number;
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
}

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
export function retryDelaySeconds(
  retrier: { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number },
  attempt: number,
): number {
  const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** Math.max(0, attempt - 1);
  return retrier.MaxDelaySeconds !== undefined ? Math.min(interval, retrier.MaxDelaySeconds) : interval;
}

const DEFAULT_IDENTITY: LocalAwsIdentity = { account: '123456789012', region: 'us-east-1' };

/**
 * Loads the synthesized app (from the synthesis cache when its sources are unchanged) and prepares a runner.
 * Sets each function's environment variables (resolved to local values) on `process.env` before any handler
 * module loads, as Lambda would.
 */
export async function createLocalRunner(options: LocalRunnerOptions = {}): Promise<LocalRunner> {
  const identity = options.identity ?? DEFAULT_IDENTITY;
  const workflows = options.workflows ?? (await loadSynthesizedWorkflows(identity));
  for (const fn of workflows.functions.values()) {
    for (const [key, value] of Object.entries(fn.environment)) process.env[key] ??= value;
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

  const handlerCache = new Map<string, Promise<TaskHandler>>();
  // The same module the function's bundle starts from (its code tag), loaded from source on first use.
  const handlerFor = (fn: SynthesizedFunction): Promise<TaskHandler> => {
    const override = options.handlers?.[fn.task];
    if (override) return Promise.resolve(override);
    let loaded = handlerCache.get(fn.code);
    if (!loaded) {
      loaded = import(join(projectRoot, fn.code)).then((module: { handler: TaskHandler }) => module.handler);
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

  const executions = new Map<string, { input: string; execution: LocalExecution }>();

  const definitionOf = (workflow: string): Record<string, unknown> => {
    const found = workflows.definitions[workflow];
    if (found === undefined) {
      throw new Error(`No state machine ${workflow} (one of ${Object.keys(workflows.definitions).join(', ')})`);
    }
    return found;
  };
  const definition = (workflow: string) => definitionOf(workflow) as unknown as StateMachineDefinition;
  // aws-local-stepfunctions validates a definition (asl-validator) each time a StateMachine is built: hundreds of
  // milliseconds of CPU for these definitions. A definition does not change while the runner lives, so it is
  // validated once, by its first execution, and every later one is built without validating it again.
  const validated = new Set<string>();
  const machineFor = (workflow: string): StateMachine => {
    const machine = new StateMachine(definition(workflow), {
      validationOptions: validated.has(workflow) ? { noValidate: true } : { checkArn: false },
    });
    validated.add(workflow);
    return machine;
  };

  const localHandlers = (workflow: string) => {
    const handlers: Record<string, (input: never) => Promise<never>> = {};
    for (const [stateName, state] of allStates(definitionOf(workflow))) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
      const isInvoke = /^arn:aws[a-z-]*:states:::lambda:invoke$/.test(resource);
      const functionArn = isInvoke ? String(parameters.FunctionName) : resource;
      const fn = workflows.functions.get(functionArn);
      if (fn === undefined) {
        throw new Error(`State ${stateName} calls ${functionArn}, which is not a registered task function`);
      }
      handlers[stateName] = (async (input: unknown) => {
        // Let the event stream deliver everything before this task (so onWait has moved a fake clock).
        await new Promise((resolve) => setImmediate(resolve));
        const handler = await handlerFor(fn);
        if (isInvoke) return invoke(fn, handler, (input as { Payload?: unknown }).Payload);
        return (await invoke(fn, handler, input)).Payload;
      }) as never;
    }
    return handlers;
  };

  const start = (workflow: string, input: unknown, startOptions: StartOptions = {}): LocalExecution => {
    const name = startOptions.name ?? `local-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const stateMachineArn = workflows.stateMachineArns[workflow] ?? '';
    const arn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const problem = executionInputProblem(input);
    if (problem !== undefined) throw new ExecutionInputRefusedError(`StartExecution refused ${workflow}: ${problem}`);
    const inputJson = JSON.stringify(input ?? {});
    const existing = executions.get(arn);
    if (existing) {
      if (existing.input === inputJson) return existing.execution;
      throw new ExecutionAlreadyExistsError(`Execution ${arn} already exists with a different input`);
    }

    const waitStates = allStates(definitionOf(workflow)).filter(([, s]) => s.Type === 'Wait');
    const retryStates = allStates(definitionOf(workflow)).filter(([, s]) => Array.isArray(s.Retry));
    const runOptions: RunOptions = {
      overrides: {
        taskResourceLocalHandlers: localHandlers(workflow) as never,
        waitTimeOverrides: Object.fromEntries(waitStates.map(([n]) => [n, options.waitTimeMs ?? 200])),
        retryIntervalOverrides: Object.fromEntries(retryStates.map(([n]) => [n, options.retryIntervalMs ?? 50])),
      },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: arn, Name: name, RoleArn: `arn:aws:iam::${identity.account}:role/local` },
        StateMachine: { Id: stateMachineArn, Name: workflow },
      },
    };
    const machine = machineFor(workflow);
    const started = Date.now();
    const run = machine.run(JSON.parse(inputJson) as never, runOptions);

    const events: ExecutionEvent[] = [];
    let transitions = 0;
    let waitedSeconds = 0;
    const enteredAt = new Map<string, number>();
    const waitDefinitions = new Map(waitStates);
    const collect = (async () => {
      for await (const raw of run.eventLogs) {
        const event: ExecutionEvent = { ...raw };
        if ('state' in raw && raw.state) {
          if (raw.type === 'StateEntered') {
            transitions += 1;
            enteredAt.set(raw.state.name, raw.timestamp);
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
            const entered = enteredAt.get(raw.state.name);
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
        output = await run.result;
      } catch (thrown) {
        status = (thrown as Error).name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
      }
      await collect;
      const last = events.at(-1);
      if (last?.type === 'ExecutionFailed') {
        status = 'FAILED';
        error = last.Error;
        cause = typeof last.Cause === 'string' ? last.Cause : JSON.stringify(last.Cause);
      } else if (last?.type === 'ExecutionAborted') {
        status = 'ABORTED';
      }
      return {
        status,
        ...(status === 'SUCCEEDED' ? { output } : {}),
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
        events,
        transitions,
        waitedSeconds,
        durationMs: Date.now() - started,
      };
    })();

    const execution: LocalExecution = { name, arn, result, abort: () => run.abort() };
    executions.set(arn, { input: inputJson, execution });
    return execution;
  };

  const invokeFunction = async (functionArn: string, payload: unknown): Promise<unknown> => {
    const fn = workflows.functions.get(functionArn);
    if (fn === undefined) throw new Error(`No project function ${functionArn} (it carries no code tag)`);
    return (await invoke(fn, await handlerFor(fn), payload)).Payload;
  };

  return { workflows, definition, start, invokeFunction };
}
