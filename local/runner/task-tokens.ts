/**
 * The runner's waiting tasks (`.waitForTaskToken`): each gets a token, and ends when SendTaskSuccess or
 * SendTaskFailure is called with it, or when its heartbeat or timeout runs out (States.HeartbeatTimeout,
 * States.Timeout), as Step Functions does (Developer Guide, "Wait for a Callback with Task Token"; API_SendTaskSuccess,
 * API_SendTaskHeartbeat). A token is at most 2,048 characters; a closed task's token answers TaskTimedOut, an unknown
 * one InvalidToken. Times are shortened as the runner shortens Wait states, and reported as what they are on AWS.
 */
import { randomUUID } from 'node:crypto';
import { LambdaFunctionError } from './lambda-invoke.ts';

/** What `$$.Task.Token` resolves to in a definition; the runner puts each waiting task's own token in its place. */
export const TASK_TOKEN_PLACEHOLDER = '__smwf_local_task_token__';

/** A refused SendTask* call, named as Step Functions names its errors. */
export class TaskTokenError extends Error {
  constructor(
    readonly code: 'InvalidToken' | 'TaskTimedOut' | 'InvalidOutput',
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

interface TokenFacts {
  /** The execution ARN. */
  readonly e: string;
  /** The state. */
  readonly s: string;
  readonly n: string;
}

/** A new token for a waiting task of `executionArn` in `stateName`. */
export function mintTaskToken(executionArn: string, stateName: string): string {
  const facts: TokenFacts = { e: executionArn, s: stateName, n: randomUUID() };
  return Buffer.from(JSON.stringify(facts)).toString('base64url');
}

function factsOf(token: string): TokenFacts | undefined {
  try {
    const facts = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenFacts>;
    return typeof facts.e === 'string' && typeof facts.s === 'string' && typeof facts.n === 'string'
      ? (facts as TokenFacts)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The state machine whose execution a local token belongs to (what SendTask* is authorized on), or undefined for a
 * token the runner did not mint.
 */
export function stateMachineOfTaskToken(token: string): string | undefined {
  const facts = factsOf(token);
  if (facts === undefined) return undefined;
  const match = /^(arn:[^:]+:states:[^:]+:[^:]+):execution:([^:]+):[^:]+$/.exec(facts.e);
  return match ? `${match[1]}:stateMachine:${match[2]}` : undefined;
}

/** How long a waiting task may go without news, on AWS and in the runner. */
export interface TaskWaitTiming {
  /** HeartbeatSeconds, when the state sets it. */
  readonly heartbeatSeconds?: number;
  /** TimeoutSeconds, when the state sets it. */
  readonly timeoutSeconds?: number;
  /** How long a heartbeat or timeout really lasts in the runner, in ms. */
  readonly realMs: number;
  /**
   * Arms the heartbeat or timeout instead of a timer of `realMs`: calls `expire` when `seconds` (AWS's) have passed on
   * the caller's clock, unless the returned cancel is called first. A benchmark on a fake clock drives them.
   */
  readonly schedule?: (seconds: number, expire: () => void) => () => void;
  /** Called when the heartbeat or timeout runs out, with the seconds it lasts on AWS (time-skipping tests move a clock). */
  readonly onExpired?: (seconds: number, kind: 'heartbeat' | 'timeout') => void;
}

interface Pending {
  readonly executionArn: string;
  settle(outcome: { output: unknown } | { error: Error }): void;
  heartbeat(): void;
}

/** The waiting tasks of a runner, by token. */
export class TaskTokens {
  private readonly pending = new Map<string, Pending>();
  /** Tokens of tasks that have closed, which answer TaskTimedOut from then on. */
  private readonly closed = new Set<string>();

  /**
   * Runs a waiting task: `invoke` starts its function (with the token in its payload); the task ends with the output of
   * SendTaskSuccess, the error of SendTaskFailure or the function, or States.HeartbeatTimeout / States.Timeout.
   */
  wait(token: string, executionArn: string, timing: TaskWaitTiming, invoke: () => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let heartbeatTimer: (() => void) | undefined;
      let timeoutTimer: (() => void) | undefined;
      const arm = (seconds: number, expire: () => void): (() => void) => {
        if (timing.schedule) return timing.schedule(seconds, expire);
        const timer = setTimeout(expire, timing.realMs);
        return () => clearTimeout(timer);
      };
      const settle = (outcome: { output: unknown } | { error: Error }) => {
        if (!this.pending.has(token)) return;
        this.pending.delete(token);
        this.closed.add(token);
        heartbeatTimer?.();
        timeoutTimer?.();
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.output);
      };
      const expire = (kind: 'heartbeat' | 'timeout', seconds: number) => () => {
        timing.onExpired?.(seconds, kind);
        const [error, cause] =
          kind === 'heartbeat'
            ? ['States.HeartbeatTimeout', `No heartbeat or result within ${seconds} seconds`]
            : ['States.Timeout', `The task did not complete within ${seconds} seconds`];
        settle({ error: new LambdaFunctionError(error, cause) });
      };
      const armHeartbeat = () => {
        if (timing.heartbeatSeconds === undefined || !this.pending.has(token)) return;
        heartbeatTimer?.();
        heartbeatTimer = arm(timing.heartbeatSeconds, expire('heartbeat', timing.heartbeatSeconds));
      };
      this.pending.set(token, { executionArn, settle, heartbeat: armHeartbeat });
      // On AWS the heartbeat counts from the task's start; shortened to milliseconds here, it would run out while the
      // function still runs, so it counts from the function's return. The timeout caps the task whatever its
      // heartbeats; shortened, it applies only to a task without one.
      invoke().then(
        () => {
          if (!this.pending.has(token)) return;
          armHeartbeat();
          if (timing.timeoutSeconds !== undefined && timing.heartbeatSeconds === undefined) {
            timeoutTimer = arm(timing.timeoutSeconds, expire('timeout', timing.timeoutSeconds));
          }
        },
        (error: unknown) => settle({ error: error instanceof Error ? error : new Error(String(error)) }),
      );
    });
  }

  /** SendTaskSuccess. */
  succeed(token: string, output: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new TaskTokenError('InvalidOutput', 'Invalid State Machine Output: the output must be JSON');
    }
    this.open(token).settle({ output: parsed });
  }

  /** SendTaskFailure. */
  fail(token: string, error: string | undefined, cause: string | undefined): void {
    this.open(token).settle({ error: new LambdaFunctionError(error ?? '', cause ?? '') });
  }

  /** SendTaskHeartbeat: the heartbeat starts again. */
  heartbeat(token: string): void {
    this.open(token).heartbeat();
  }

  /**
   * Closes every waiting task of an execution that stopped (aborted): their tokens answer TaskTimedOut from now on,
   * and their timers stop. Nothing reads what they end with any more.
   */
  closeExecution(executionArn: string): void {
    for (const pending of [...this.pending.values()]) {
      if (pending.executionArn === executionArn) pending.settle({ output: null });
    }
  }

  private open(token: string): Pending {
    if (token.length < 1 || token.length > 2048) {
      throw new TaskTokenError('InvalidToken', 'Invalid Token: a task token is 1-2048 characters');
    }
    const pending = this.pending.get(token);
    if (pending !== undefined) return pending;
    if (this.closed.has(token)) throw new TaskTokenError('TaskTimedOut', 'Task Timed Out: the task has closed');
    throw new TaskTokenError('InvalidToken', `Invalid Token: no task of this runner has it`);
  }
}
