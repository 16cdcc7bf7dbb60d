/**
 * The local Step Functions API's DescribeExecution, through the real SFNClient: executions its runner started
 * directly (as `smwf run` does) while they run and once they end, and executions another local process journaled
 * in the state directory's executions/, where one whose journal has no end and whose process is gone is ABORTED.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionJournals } from '../../../local/runner/execution-journal.ts';
import { createLocalRunner, type LocalRunner } from '../../../local/runner/runner.ts';
import { type LocalStepFunctions, serveLocalStepFunctions } from '../../../local/triggers/step-functions-api.ts';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:Slow';
const executionArn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:Slow:${name}`;
/** Waits until it is aborted (the runner waits a minute), so a test can see it running. */
const slow = { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 60, End: true } } };

let stateDir: string;
let runner: LocalRunner;
let stepFunctions: LocalStepFunctions;
let sfn: SFNClient;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'smwf-records-'));
  runner = await createLocalRunner({
    waitTimeMs: 60_000,
    executionRecordsDir: join(stateDir, 'executions'),
    workflows: {
      definitions: { Slow: slow },
      stateMachineArns: { Slow: MACHINE },
      functions: new Map(),
      bucketNames: [],
      tables: [],
      rules: [],
      schedules: [],
      roles: {},
      encryptedBuckets: [],
    },
  });
  stepFunctions = await serveLocalStepFunctions(runner);
  sfn = new SFNClient({
    endpoint: stepFunctions.api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  await stepFunctions?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const describeExecution = (arn: string) => sfn.send(new DescribeExecutionCommand({ executionArn: arn }));

/** A process id that was in use a moment ago and is not any more. */
function endedProcessId(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid as number;
}

/** Journals an execution as another process would have: started, and ended when `status` says so. */
function journalOf(name: string, pid: number, status: 'RUNNING' | 'SUCCEEDED' = 'RUNNING') {
  const journals = new ExecutionJournals(join(stateDir, 'executions'));
  const startDate = Date.parse('2026-11-25T10:00:00.000Z');
  journals.begin({
    executionArn: executionArn(name),
    stateMachineArn: MACHINE,
    workflow: 'Slow',
    name,
    input: '{}',
    definition: slow,
    startDate,
    pid,
  });
  if (status === 'SUCCEEDED') {
    journals.append(executionArn(name), { type: 'ExecutionSucceeded', timestamp: startDate + 60_000, output: {} });
  }
}

describe('DescribeExecution on the local Step Functions API', () => {
  it('sees an execution its runner started directly, running and then stopped, and journals it for other processes', async () => {
    const execution = runner.start('Slow', {}, { name: 'direct' });

    const running = await describeExecution(execution.arn);
    execution.abort();
    await execution.result;
    const ended = await describeExecution(execution.arn);

    expect(running).toMatchObject({ status: 'RUNNING', name: 'direct', stateMachineArn: MACHINE });
    expect(ended.status).toBe('ABORTED');
    const journaled = new ExecutionJournals(join(stateDir, 'executions')).read(execution.arn);
    expect(journaled?.pid).toBe(process.pid);
    expect(journaled?.history.at(-1)?.type).toBe('ExecutionAborted');
  });

  it("reports another process's running execution as RUNNING while that process lives", async () => {
    journalOf('elsewhere-alive', process.ppid);

    expect((await describeExecution(executionArn('elsewhere-alive'))).status).toBe('RUNNING');
  });

  it("reports another process's execution ABORTED once that process is gone: nothing will ever run it on", async () => {
    journalOf('elsewhere-crashed', endedProcessId());

    const described = await describeExecution(executionArn('elsewhere-crashed'));

    expect(described.status).toBe('ABORTED');
    expect(described.stopDate).toBeInstanceOf(Date);
  });

  it("reports how another process's execution ended, and no execution at all as ExecutionDoesNotExist", async () => {
    journalOf('elsewhere-done', endedProcessId(), 'SUCCEEDED');

    expect((await describeExecution(executionArn('elsewhere-done'))).status).toBe('SUCCEEDED');
    await expect(describeExecution(executionArn('never-started'))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });
});
