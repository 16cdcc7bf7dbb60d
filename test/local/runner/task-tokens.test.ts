/**
 * The runner's `.waitForTaskToken` tasks, on a hand-written definition over a synthesized function: the payload gets
 * the task's own token, the task ends with what SendTaskSuccess / SendTaskFailure give (through the local Step
 * Functions API and an SFN client, as a callback sends them), a heartbeat keeps it waiting, and one that runs out is
 * States.HeartbeatTimeout. A closed task's token answers TaskTimedOut, an unknown one InvalidToken.
 */
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalEmulator } from '../../../local/runner/local-aws-env.ts';
import { createLocalRunner, type LocalRunner } from '../../../local/runner/runner.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../../local/runner/synthesize.ts';
import { type LocalStepFunctions, serveLocalStepFunctions } from '../../../local/triggers/step-functions-api.ts';

let synthesized: SynthesizedWorkflows;
let runner: LocalRunner;
let api: LocalStepFunctions;
let sfn: SFNClient;
/** The payloads the waiting task's function got, in order. */
const payloads: { token: string; input: unknown }[] = [];

function definition() {
  const fn = [...synthesized.functions.values()].find((f) => f.task === 'CompleteWait');
  return {
    StartAt: 'Wait for callback',
    States: {
      'Wait for callback': {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: fn?.arn, Payload: { 'input.$': '$', 'token.$': '$$.Task.Token' } },
        HeartbeatSeconds: 300,
        TimeoutSeconds: 3600,
        ResultPath: '$.callback',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

/** The token of the n-th waiting task, once its function has run. */
async function tokenOf(n: number): Promise<string> {
  while (payloads.length < n) await new Promise((resolve) => setTimeout(resolve, 1));
  return (payloads[n - 1] as { token: string }).token;
}

beforeAll(async () => {
  synthesized = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
  runner = await createLocalRunner({
    waitTimeMs: 1,
    heartbeatTimeMs: 60_000,
    permissions: false,
    workflows: { ...synthesized, definitions: { ...synthesized.definitions, DeployEndpoint: definition() } },
    handlers: {
      CompleteWait: async (event) => {
        payloads.push(event as { token: string; input: unknown });
        return { ignored: 'a waiting task ends with the callback, not with what its function returns' };
      },
    },
  });
  api = await serveLocalStepFunctions(runner);
  useLocalEmulator('http://127.0.0.1:1');
  sfn = new SFNClient({ endpoint: api.api.url });
});

afterAll(async () => {
  await api?.stop();
});

describe('a .waitForTaskToken task in the local runner', () => {
  it('ends with the output SendTaskSuccess gives, after heartbeats, and its token then answers TaskTimedOut', async () => {
    const execution = runner.start('DeployEndpoint', { run: 1 });
    const token = await tokenOf(1);

    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ settled: true }) }));
    const result = await execution.result;

    expect(payloads[0]?.input).toEqual({ run: 1 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ run: 1, callback: { settled: true } });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('fails with the error and cause SendTaskFailure gives', async () => {
    const execution = runner.start('DeployEndpoint', { run: 2 });
    const token = await tokenOf(2);

    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'EndpointFailedError', cause: 'ping' }));
    const result = await execution.result;

    expect(result.output).toEqual({ run: 2, caught: { Error: 'EndpointFailedError', Cause: 'ping' } });
  });

  it('fails with States.HeartbeatTimeout when no callback comes within the heartbeat, reported as 300 s', async () => {
    const waited: [number, string][] = [];
    const execution = runner.start(
      'DeployEndpoint',
      { run: 3 },
      { heartbeatTimeMs: 5, onWait: (seconds, _state, kind) => waited.push([seconds, kind]) },
    );

    const result = await execution.result;

    expect(result.output).toMatchObject({ run: 3, caught: { Error: 'States.HeartbeatTimeout' } });
    expect(waited).toEqual([[300, 'heartbeat']]);
    expect(result.waitedSeconds).toBe(300);
  });

  it('refuses a token no task has with InvalidToken, and output that is not JSON with InvalidOutput', async () => {
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    const execution = runner.start('DeployEndpoint', { run: 4 });
    const token = await tokenOf(payloads.length + 1);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: 'nope' }))).rejects.toMatchObject({
      name: 'InvalidOutput',
    });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    expect((await execution.result).status).toBe('SUCCEEDED');
  });
});
