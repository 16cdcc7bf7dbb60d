/**
 * The local runner itself, on a hand-written definition over the synthesized task functions: Tasks inside Map
 * and Parallel states reach their handlers, results are wrapped as `lambda:invoke` wraps them, errors arrive
 * as Step Functions' `{ Error, Cause }`, and waits are shortened while their requested time is reported.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HealthCheckFailedError } from '../../../contracts/errors.ts';
import { createLocalRunner, type LocalRunner } from '../../../local/runner/runner.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../../local/runner/synthesize.ts';

let synthesized: SynthesizedWorkflows;

beforeAll(async () => {
  synthesized = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
});

/** The ARN of the synthesized function of a task. */
function arnOf(task: string): string {
  const fn = [...synthesized.functions.values()].find((f) => f.task === task);
  if (!fn) throw new Error(`no function for ${task}`);
  return fn.arn;
}

const invoke = (task: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: arnOf(task), 'Payload.$': '$' },
  TimeoutSeconds: 10,
  ...extra,
});

function definition() {
  return {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Double',
          States: { Double: invoke('CreateModel', { OutputPath: '$.Payload', End: true }) },
        },
        ResultPath: '$.doubled',
        Next: 'Both',
      },
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Left', States: { Left: invoke('StartDeployment', { End: true }) } },
          { StartAt: 'Right', States: { Right: invoke('VerifyDeployment', { OutputPath: '$.Payload', End: true }) } },
        ],
        ResultPath: '$.branches',
        Next: 'Pause',
      },
      Pause: { Type: 'Wait', Seconds: 3600, Next: 'Check' },
      Check: invoke('HealthCheck', {
        Catch: [{ ErrorEquals: [HealthCheckFailedError.errorName], ResultPath: '$.caught', Next: 'Done' }],
        End: true,
      }),
      Done: { Type: 'Succeed' },
    },
  };
}

let runner: LocalRunner;

beforeAll(async () => {
  runner = await createLocalRunner({
    waitTimeMs: 1,
    workflows: { ...synthesized, definitions: { ...synthesized.definitions, DeployEndpoint: definition() } },
    handlers: {
      CreateModel: async (n) => (n as number) * 2,
      StartDeployment: async () => ({ side: 'left' }),
      VerifyDeployment: async () => ({ side: 'right' }),
      HealthCheck: async () => {
        throw new HealthCheckFailedError('2/10 invocations succeeded');
      },
    },
  });
});

describe('the local runner', () => {
  it('runs Tasks inside Map and Parallel states with their handlers, shaped like lambda:invoke', async () => {
    const result = await runner.start('DeployEndpoint', { items: [1, 2, 3] }).result;

    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as {
      doubled: number[];
      branches: [{ Payload: unknown; StatusCode: number; ExecutedVersion: string }, unknown];
    };
    expect(output.doubled).toEqual([2, 4, 6]);
    expect(output.branches[0]).toMatchObject({
      Payload: { side: 'left' },
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
    });
    expect(output.branches[1]).toEqual({ side: 'right' });
  });

  it("reports a handler's error as Step Functions does: Error = its name, Cause = Lambda's error document", async () => {
    const result = await runner.start('DeployEndpoint', { items: [] }).result;

    const caught = (result.output as { caught: { Error: string; Cause: string } }).caught;
    expect(caught.Error).toBe('HealthCheckFailedError');
    expect(JSON.parse(caught.Cause)).toMatchObject({
      errorType: 'HealthCheckFailedError',
      errorMessage: '2/10 invocations succeeded',
    });
  });

  it('starts no more iterations of a Map once one has failed, as Step Functions does', async () => {
    const started: number[] = [];
    const failing = await createLocalRunner({
      waitTimeMs: 1,
      workflows: {
        ...synthesized,
        definitions: {
          ...synthesized.definitions,
          RightSizeEndpoint: {
            StartAt: 'Fan',
            States: {
              Fan: {
                Type: 'Map',
                ItemsPath: '$.items',
                MaxConcurrency: 1,
                ItemProcessor: {
                  ProcessorConfig: { Mode: 'INLINE' },
                  StartAt: 'Double',
                  States: { Double: invoke('CreateModel', { End: true }) },
                },
                Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
                End: true,
              },
              Caught: invoke('HealthCheck', { OutputPath: '$.Payload', End: true }),
            },
          },
        },
      },
      handlers: {
        CreateModel: async (n) => {
          started.push(n as number);
          if (n === 1) throw new Error('the first item fails');
          return n;
        },
        // What had started when the Map's Catch ran (the items queued behind the first would have started by then).
        HealthCheck: async () => [...started],
      },
    });

    const result = await failing.start('RightSizeEndpoint', { items: [1, 2, 3] }).result;

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([1]);
    expect(started).toEqual([1]);
  });

  it('shortens Wait states (an hour here) but reports the time they asked for', async () => {
    const result = await runner.start('DeployEndpoint', { items: [] }).result;

    expect(result.waitedSeconds).toBe(3600);
    expect(result.events.some((e) => e.type === 'StateEntered' && 'state' in e && e.state.name === 'Pause')).toBe(true);
  });

  it('refuses, as StartExecution does, an input over 256 KiB, starting nothing', () => {
    const input = { items: [], note: 'x'.repeat(262_144) };

    expect(() => runner.start('DeployEndpoint', input, { name: 'too-large' })).toThrow(
      expect.objectContaining({
        name: 'ValidationException',
        message: expect.stringContaining('bytes of JSON; Step Functions accepts at most 262144 (256 KiB)'),
      }),
    );
  });

  it("refuses an input nested past any workflow's depth, with a message instead of a stack overflow", () => {
    let nested: unknown = 1;
    for (let i = 0; i < 10_000; i++) nested = { a: nested };

    expect(() => runner.start('DeployEndpoint', { items: [], nested })).toThrow(/nests deeper than 32 levels/);
  });
});
