/**
 * Redrive in the local runner, on a hand-written definition over the synthesized task functions with handlers the
 * test controls: a redriven execution continues from the state it did not finish with that state's input, runs no
 * state that succeeded again, gives retries their full count again, redrives only the Map iterations that did not
 * succeed, and can be redriven by another runner (another process) from the journal in the state directory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HealthCheckFailedError, SageMakerThrottledError } from '../../../contracts/errors.ts';
import { REDRIVABLE_PERIOD_MS } from '../../../local/runner/redrive.ts';
import { createLocalRunner, type ExecutionEvent, type LocalRunner } from '../../../local/runner/runner.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../../local/runner/synthesize.ts';

let synthesized: SynthesizedWorkflows;

beforeAll(async () => {
  synthesized = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
});

function arnOf(task: string): string {
  const fn = [...synthesized.functions.values()].find((f) => f.task === task);
  if (!fn) throw new Error(`no function for ${task}`);
  return fn.arn;
}

const invoke = (task: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: arnOf(task), 'Payload.$': '$' },
  OutputPath: '$.Payload',
  TimeoutSeconds: 10,
  ...extra,
});

/** Prepare, a Map of two steps per item, a state retried on throttling (no Catch), and one that reads the context. */
function pipeline(timeoutSeconds?: number) {
  return {
    StartAt: 'Prepare',
    ...(timeoutSeconds !== undefined ? { TimeoutSeconds: timeoutSeconds } : {}),
    States: {
      Prepare: invoke('CreateModel', { Next: 'Fan' }),
      Fan: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'item.$': '$$.Map.Item.Value', 'factor.$': '$.factor' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Double',
          States: {
            Double: invoke('CreateEndpointConfig', { Next: 'Square' }),
            Square: invoke('StartDeployment', { End: true }),
          },
        },
        ResultPath: '$.results',
        Next: 'Flaky',
      },
      Flaky: invoke('VerifyDeployment', {
        Retry: [{ ErrorEquals: [SageMakerThrottledError.errorName], IntervalSeconds: 1, MaxAttempts: 2 }],
        Next: 'Stamp',
      }),
      Stamp: {
        ...invoke('HealthCheck', { End: true }),
        Parameters: {
          FunctionName: arnOf('HealthCheck'),
          Payload: {
            'state.$': '$',
            'startedAt.$': '$$.Execution.StartTime',
            'redriveCount.$': '$$.Execution.RedriveCount',
          },
        },
      },
    },
  };
}

/** A Task whose failure is caught and ends the execution in a Fail state. */
function caughtToFail() {
  return {
    StartAt: 'Check',
    States: {
      Check: invoke('HealthCheck', {
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
        End: true,
      }),
      Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
    },
  };
}

/** What the handlers did, and what the test makes them do. */
const script = {
  calls: [] as string[],
  /** Items whose Double fails (once each), and what it waits for first. */
  failingItems: new Set<number>(),
  failAfter: Promise.resolve() as Promise<unknown>,
  /** How many more times Flaky is throttled. */
  throttles: 0,
  /** What Stamp got. */
  stamps: [] as unknown[],
  /** Check fails while true. */
  checkFails: true,
  /** Resolved by the test to let a blocked Prepare finish. */
  releasePrepare: undefined as (() => void) | undefined,
};

let squares: { done: number; onDone: () => void } = { done: 0, onDone: () => undefined };

function handlers() {
  return {
    CreateModel: async (state: unknown) => {
      script.calls.push('Prepare');
      if (script.releasePrepare !== undefined) {
        await new Promise<void>((resolve) => {
          script.releasePrepare = resolve;
        });
      }
      return { ...(state as object), prepared: true };
    },
    CreateEndpointConfig: async (state: unknown) => {
      const { item, factor } = state as { item: number; factor: number };
      script.calls.push(`Double ${item}`);
      if (script.failingItems.has(item)) {
        await script.failAfter;
        script.failingItems.delete(item);
        throw new Error(`item ${item} failed`);
      }
      return { item, doubled: item * factor };
    },
    StartDeployment: async (state: unknown) => {
      const { item, doubled } = state as { item: number; doubled: number };
      script.calls.push(`Square ${item}`);
      squares.done += 1;
      squares.onDone();
      return doubled * doubled;
    },
    VerifyDeployment: async (state: unknown) => {
      script.calls.push('Flaky');
      if (script.throttles > 0) {
        script.throttles -= 1;
        throw new SageMakerThrottledError('Rate exceeded');
      }
      return state;
    },
    HealthCheck: async (payload: unknown) => {
      const { state, startedAt, redriveCount } = payload as {
        state: unknown;
        startedAt?: string;
        redriveCount?: number;
      };
      script.calls.push('Check');
      if (startedAt === undefined && script.checkFails) throw new HealthCheckFailedError('2/10 invocations succeeded');
      script.stamps.push({ startedAt, redriveCount });
      return state;
    },
  };
}

async function runnerWith(
  definition: Record<string, unknown>,
  options: { recordsDir?: string; now?: () => number } = {},
) {
  return createLocalRunner({
    waitTimeMs: 1,
    retryIntervalMs: 1,
    workflows: { ...synthesized, definitions: { ...synthesized.definitions, DeployEndpoint: definition } },
    handlers: handlers() as never,
    ...(options.recordsDir !== undefined ? { executionRecordsDir: options.recordsDir } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
}

const INPUT = { items: [1, 2, 3], factor: 10 };
const entered = (events: readonly ExecutionEvent[]) =>
  events.flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));

beforeEach(() => {
  script.calls = [];
  script.failingItems = new Set();
  script.failAfter = Promise.resolve();
  script.throttles = 0;
  script.stamps = [];
  script.checkFails = true;
  script.releasePrepare = undefined;
  squares = { done: 0, onDone: () => undefined };
});

describe('redriving a local execution', () => {
  let runner: LocalRunner;
  beforeAll(async () => {
    runner = await runnerWith(pipeline());
  });

  it('continues from the failed state with its input, reruns no state that succeeded, and ends as an uninterrupted run', async () => {
    const uninterrupted = await runner.start('DeployEndpoint', INPUT).result;
    script.calls = [];
    script.stamps = [];
    script.throttles = 3;

    const execution = runner.start('DeployEndpoint', INPUT, { name: 'flaky-1' });
    const failed = await execution.result;
    const described = runner.describeExecution(execution.arn);
    const callsBefore = [...script.calls];
    script.calls = [];
    const redriven = await runner.redrive(execution.arn).result;

    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe(SageMakerThrottledError.errorName);
    expect(described).toMatchObject({ status: 'FAILED', redriveStatus: 'REDRIVABLE', redriveCount: 0 });
    expect(callsBefore.filter((c) => c === 'Flaky')).toHaveLength(3);
    expect(redriven.status).toBe('SUCCEEDED');
    expect(redriven.output).toEqual(uninterrupted.output);
    expect(script.calls).toEqual(['Flaky', 'Check']);
    expect(redriven.events[0]).toMatchObject({ type: 'ExecutionRedriven', redriveCount: 1 });
    expect(entered(redriven.events)).toEqual(['Flaky', 'Stamp']);
    expect(runner.describeExecution(execution.arn)).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
  });

  it('gives the redriven state its retries afresh', async () => {
    script.throttles = 5;

    const execution = runner.start('DeployEndpoint', INPUT);
    const failed = await execution.result;
    const redriven = await runner.redrive(execution.arn).result;

    // Three attempts (one and two retries) fail; the redrive's first two fail too and its third succeeds.
    expect(failed.status).toBe('FAILED');
    expect(redriven.status).toBe('SUCCEEDED');
    expect(script.calls.filter((c) => c === 'Flaky')).toHaveLength(6);
    expect(redriven.events.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
  });

  it('redrives only the Map iterations that did not succeed', async () => {
    const uninterrupted = await runner.start('DeployEndpoint', INPUT).result;
    script.calls = [];
    squares.done = 0;
    // Item 2 fails once the other two items are through both steps.
    script.failingItems = new Set([2]);
    script.failAfter = new Promise<void>((resolve) => {
      squares.onDone = () => {
        if (squares.done === 2) resolve();
      };
    });

    const execution = runner.start('DeployEndpoint', INPUT, { name: 'map-1' });
    const failed = await execution.result;
    const callsBefore = [...script.calls];
    script.calls = [];
    const redriven = await runner.redrive(execution.arn).result;

    expect(failed.status).toBe('FAILED');
    expect(callsBefore.sort()).toEqual(['Double 1', 'Double 2', 'Double 3', 'Prepare', 'Square 1', 'Square 3']);
    expect(redriven.status).toBe('SUCCEEDED');
    expect(script.calls).toEqual(['Double 2', 'Square 2', 'Flaky', 'Check']);
    expect(redriven.output).toEqual(uninterrupted.output);
    expect(entered(redriven.events).filter((name) => name.startsWith('SmwfRedrive'))).toEqual([]);
  });

  it('keeps $$.Execution.StartTime of the first start and counts the redrive in $$.Execution.RedriveCount', async () => {
    script.throttles = 3;

    const execution = runner.start('DeployEndpoint', INPUT);
    await execution.result;
    const arn = execution.arn;
    await runner.redrive(arn).result;

    const startedAt = new Date(runner.describeExecution(arn)?.startDate ?? 0).toISOString();
    expect(script.stamps).toEqual([{ startedAt, redriveCount: 1 }]);
  });

  it('refuses a succeeded execution and one that does not exist, as RedriveExecution does', async () => {
    const succeeded = runner.start('DeployEndpoint', INPUT);
    await succeeded.result;

    expect(() => runner.redrive(succeeded.arn)).toThrow(
      expect.objectContaining({
        name: 'ExecutionNotRedrivable',
        message: 'Execution is SUCCEEDED and cannot be redriven',
      }),
    );
    expect(() => runner.redrive(`${succeeded.arn}-nope`)).toThrow(
      expect.objectContaining({ name: 'ExecutionDoesNotExist' }),
    );
  });
});

describe('redriving from the state directory', () => {
  it('lets another runner (another process) describe and redrive an execution from its journal', async () => {
    const recordsDir = mkdtempSync(join(tmpdir(), 'smwf-redrive-'));
    const first = await runnerWith(pipeline(), { recordsDir });
    script.throttles = 3;
    const failed = first.start('DeployEndpoint', INPUT, { name: 'journaled-1' });
    await failed.result;
    script.calls = [];

    const second = await runnerWith(pipeline(), { recordsDir });
    const described = second.describeExecution(failed.arn);
    const redriven = await second.redrive(failed.arn).result;

    expect(described).toMatchObject({ status: 'FAILED', error: SageMakerThrottledError.errorName, redriveCount: 0 });
    expect(redriven.status).toBe('SUCCEEDED');
    expect(script.calls).toEqual(['Flaky', 'Check']);
    expect(first.describeExecution(failed.arn)).toMatchObject({ status: 'FAILED' });
    const third = await runnerWith(pipeline(), { recordsDir });
    expect(third.describeExecution(failed.arn)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(third.listExecutions().map((e) => e.name)).toContain('journaled-1');
  });

  it('refuses an execution stopped more than 14 days ago, with Step Functions reason', async () => {
    const recordsDir = mkdtempSync(join(tmpdir(), 'smwf-redrive-'));
    const first = await runnerWith(pipeline(), { recordsDir });
    script.throttles = 3;
    const failed = first.start('DeployEndpoint', INPUT, { name: 'old-2' });
    await failed.result;
    const stopDate = first.describeExecution(failed.arn)?.stopDate ?? 0;

    const later = await runnerWith(pipeline(), { recordsDir, now: () => stopDate + REDRIVABLE_PERIOD_MS + 1 });

    expect(later.describeExecution(failed.arn)).toMatchObject({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded',
    });
    expect(() => later.redrive(failed.arn)).toThrow(
      expect.objectContaining({ name: 'ExecutionNotRedrivable', message: 'Execution redrivable period exceeded' }),
    );
  });
});

describe('redriving an execution that did not fail at a Task', () => {
  it('enters the Fail state again when a caught failure ended there, and fails with the same error', async () => {
    const runner = await runnerWith(caughtToFail());
    const failed = runner.start('DeployEndpoint', {});
    const result = await failed.result;
    script.calls = [];
    script.checkFails = false;

    const redriven = await runner.redrive(failed.arn).result;

    expect(result).toMatchObject({ status: 'FAILED', error: HealthCheckFailedError.errorName });
    expect(redriven).toMatchObject({ status: 'FAILED', error: HealthCheckFailedError.errorName, cause: result.cause });
    expect(entered(redriven.events)).toEqual(['Failed']);
    expect(script.calls).toEqual([]);
  });

  it('continues an aborted execution at the state it was in', async () => {
    const runner = await runnerWith(pipeline());
    script.releasePrepare = () => undefined;
    const execution = runner.start('DeployEndpoint', INPUT);
    await until(() => script.calls.includes('Prepare'));
    execution.abort();
    const aborted = await execution.result;
    script.releasePrepare?.();
    script.releasePrepare = undefined;
    script.calls = [];

    const redriven = await runner.redrive(execution.arn).result;

    expect(aborted.status).toBe('ABORTED');
    expect(redriven.status).toBe('SUCCEEDED');
    expect(entered(redriven.events)[0]).toBe('Prepare');
    expect(script.calls.filter((c) => c === 'Prepare')).toHaveLength(1);
  });

  it('continues a timed-out execution at the state that was running, with the full timeout again', async () => {
    const runner = await runnerWith(pipeline(1));
    script.releasePrepare = () => undefined;
    const execution = runner.start('DeployEndpoint', INPUT);
    const timedOut = await execution.result;
    script.releasePrepare?.();
    script.releasePrepare = undefined;

    const redriven = await runner.redrive(execution.arn).result;

    expect(timedOut.status).toBe('TIMED_OUT');
    expect(runner.describeExecution(execution.arn)?.redriveCount).toBe(1);
    expect(redriven.status).toBe('SUCCEEDED');
    expect(entered(redriven.events)[0]).toBe('Prepare');
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
