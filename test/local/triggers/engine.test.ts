/**
 * The trigger engine on a hand-written stack (Pass-state machines, one function, rules on two buses, schedules):
 * rules match per bus and deliver transformed input, a Lambda target runs in-process and reaches the local Step
 * Functions API through the real SFNClient, schedules fire on the driven clock with Scheduler's attributes,
 * failed deliveries land in the dead-letter file, and what the engine cannot emulate is refused by name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmulatorEvent } from '../../../local/emulator/events.ts';
import { createLocalRunner, type LocalRunner } from '../../../local/runner/runner.ts';
import type { SynthesizedRule, SynthesizedSchedule, SynthesizedWorkflows } from '../../../local/runner/synthesize.ts';
import { DrivenClock } from '../../../local/triggers/clock.ts';
import { TriggerEngine, UnsupportedTriggerError } from '../../../local/triggers/engine.ts';
import { InvalidEventPatternError } from '../../../local/triggers/event-pattern.ts';

const ACCOUNT = '123456789012';
const machineArn = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${name}`;
const DISPATCHER = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Dispatcher`;
const DISPATCHER_ROLE = `arn:aws:iam::${ACCOUNT}:role/DispatcherRole`;
const DLQ = `arn:aws:sqs:us-east-1:${ACCOUNT}:dead-letters`;
const pass = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };
/** Waits (200 ms in the runner) so a test can see it running. */
const slow = { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 60, End: true } } };
const needsDate = {
  StartAt: 'Check',
  States: {
    Check: { Type: 'Choice', Choices: [{ Variable: '$.scheduledTime', IsPresent: true, Next: 'Done' }], Default: 'No' },
    Done: { Type: 'Pass', End: true },
    No: { Type: 'Fail', Error: 'NoScheduledTime' },
  },
};

function rule(overrides: Partial<SynthesizedRule>): SynthesizedRule {
  return {
    logicalId: 'Rule',
    name: 'rule',
    arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/rule`,
    eventBusName: 'default',
    state: 'ENABLED',
    eventPattern: { source: ['aws.sagemaker'] },
    targets: [],
    ...overrides,
  };
}

function schedule(overrides: Partial<SynthesizedSchedule>): SynthesizedSchedule {
  return {
    logicalId: 'Schedule',
    name: 'nightly',
    arn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/default/nightly`,
    expression: 'cron(0 3 * * ? *)',
    timeZone: 'UTC',
    state: 'ENABLED',
    flexibleTimeWindow: { Mode: 'OFF' },
    target: {
      Arn: machineArn('Scored'),
      Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>","id":"<aws.scheduler.execution-id>"}',
      DeadLetterConfig: { Arn: DLQ },
    },
    ...overrides,
  };
}

const approval = (id: string, bus = 'default', status = 'Approved'): EmulatorEvent => ({
  version: '0',
  id,
  'detail-type': 'SageMaker Model Package State Change',
  source: 'aws.sagemaker',
  account: ACCOUNT,
  time: '2026-12-01T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { ModelPackageGroupName: 'churn', ModelPackageVersion: 1, ModelApprovalStatus: status },
  eventBusName: bus,
});

let stateDir: string;
let dispatched: unknown[];

function workflowsWith(rules: SynthesizedRule[], schedules: SynthesizedSchedule[]): SynthesizedWorkflows {
  return {
    definitions: { Echo: pass, Scored: needsDate, Slow: slow },
    stateMachineArns: { Echo: machineArn('Echo'), Scored: machineArn('Scored'), Slow: machineArn('Slow') },
    functions: new Map([
      [
        DISPATCHER,
        {
          logicalId: 'Dispatcher',
          arn: DISPATCHER,
          task: 'Dispatcher',
          code: 'none.ts',
          timeoutSeconds: 10,
          environment: {},
          roleArn: DISPATCHER_ROLE,
        },
      ],
    ]),
    bucketNames: [],
    tables: [],
    rules,
    schedules,
    // The dispatcher's role, as the stack grants it: starting the state machines it dispatches to.
    roles: {
      [DISPATCHER_ROLE]: {
        arn: DISPATCHER_ROLE,
        name: 'DispatcherRole',
        statements: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: machineArn('*') }],
      },
    },
    encryptedBuckets: [],
  };
}

async function runnerFor(rules: SynthesizedRule[], schedules: SynthesizedSchedule[] = []): Promise<LocalRunner> {
  return createLocalRunner({
    workflows: workflowsWith(rules, schedules),
    handlers: {
      // What the model-package dispatcher does: StartExecution with a name derived from the event.
      Dispatcher: async (event) => {
        dispatched.push(event);
        const { detail } = event as { detail: { ModelApprovalStatus: string } };
        if (detail.ModelApprovalStatus === 'Broken') throw new TypeError('cannot dispatch');
        const sfn = new SFNClient({});
        try {
          await sfn.send(
            new StartExecutionCommand({
              stateMachineArn: machineArn('Echo'),
              name: `churn-1-${detail.ModelApprovalStatus}`,
              input: JSON.stringify({ status: detail.ModelApprovalStatus }),
            }),
          );
        } catch (error) {
          if (!(error instanceof ExecutionAlreadyExists)) throw error;
        }
      },
    },
  });
}

let engine: TriggerEngine | undefined;

beforeAll(() => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
});

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  rmSync(stateDir, { recursive: true, force: true });
});

afterAll(() => {
  delete process.env.AWS_ENDPOINT_URL_SFN;
});

async function startEngine(
  rules: SynthesizedRule[],
  schedules: SynthesizedSchedule[] = [],
  clock = new DrivenClock('2026-12-01T00:00:00Z'),
) {
  stateDir = mkdtempSync(join(tmpdir(), 'smwf-triggers-'));
  dispatched = [];
  let listener: ((events: readonly EmulatorEvent[]) => void) | undefined;
  engine = await TriggerEngine.start({
    runner: await runnerFor(rules, schedules),
    stateDir,
    clock,
    subscribe: (l) => {
      listener = l;
      return () => {
        listener = undefined;
      };
    },
  });
  const emit = async (...events: EmulatorEvent[]) => {
    listener?.(events);
    await engine?.idle();
  };
  return { engine, clock, emit };
}

describe('rules', () => {
  it('deliver matching events of their bus to a state machine, with the target input transformed', async () => {
    const { engine, emit } = await startEngine([
      rule({
        name: 'approvals',
        eventPattern: { source: ['aws.sagemaker'], detail: { ModelApprovalStatus: ['Approved'] } },
        targets: [
          {
            Id: 'echo',
            Arn: machineArn('Echo'),
            InputTransformer: {
              InputPathsMap: { f1: '$' },
              InputTemplate: '{"event":<f1>,"deployment":{"endpointName":"churn"}}',
            },
          },
        ],
      }),
    ]);
    await emit(approval('e-1'), approval('e-2', 'sagemaker-workflows'), approval('e-3', 'default', 'Rejected'));
    expect(engine.deliveries.map((d) => [d.eventId, d.outcome])).toEqual([['e-1', 'delivered']]);
    const [execution] = engine.executions.list(machineArn('Echo'));
    const result = await execution?.result;
    expect(result?.status).toBe('SUCCEEDED');
    expect(result?.output).toMatchObject({
      event: { id: 'e-1', source: 'aws.sagemaker' },
      deployment: { endpointName: 'churn' },
    });
    // The emulator's bus name is not part of the event EventBridge delivers.
    expect(result?.output).not.toHaveProperty('event.eventBusName');
  });

  it('run a Lambda target in-process; its StartExecution reaches the local Step Functions API, duplicates start nothing', async () => {
    const { engine, emit } = await startEngine([
      rule({ name: 'dispatch', targets: [{ Id: 'dispatcher', Arn: DISPATCHER }] }),
    ]);
    await emit(approval('e-1'), approval('e-2'));
    expect(dispatched).toHaveLength(2);
    expect(engine.deliveries.map((d) => d.outcome)).toEqual(['delivered', 'delivered']);

    const sfn = new SFNClient({ endpoint: engine.stepFunctionsUrl });
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('Echo') }));
    expect(listed.executions?.map((e) => e.name)).toEqual(['churn-1-Approved']);
    const arn = listed.executions?.[0]?.executionArn as string;
    await engine.executions.settled();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({ status: 'Approved' });
    expect(described.startDate).toBeInstanceOf(Date);
    // Step Functions' name semantics: a closed execution's name is taken, even with the same input...
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn('Echo'),
          name: 'churn-1-Approved',
          input: described.input,
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    // ...and the same name with another input is refused.
    await expect(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: machineArn('Echo'), name: 'churn-1-Approved', input: '{"x":1}' }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Nope'), input: '{}' })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it("write a delivery that fails to the dead-letter file: a missing state machine at once, a failing function after Lambda's retries", async () => {
    const { engine, emit } = await startEngine([
      rule({
        name: 'to-nowhere',
        targets: [
          {
            Id: 'gone',
            Arn: machineArn('Gone'),
            DeadLetterConfig: { Arn: DLQ },
            RetryPolicy: { MaximumRetryAttempts: 3 },
          },
        ],
      }),
      rule({
        name: 'dispatch',
        eventPattern: { detail: { ModelApprovalStatus: ['Broken'] } },
        targets: [{ Id: 'd', Arn: DISPATCHER }],
      }),
    ]);
    await emit(approval('e-1', 'default', 'Broken'));
    const letters = await engine.deadLetters();
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({
      trigger: 'rule',
      name: 'to-nowhere',
      deadLetterQueueArn: DLQ,
      attempts: 1,
      errorCode: 'StateMachineDoesNotExist',
    });
    expect(JSON.parse(letters[0]?.input ?? '')).toMatchObject({ id: 'e-1' });
    expect(letters[1]).toMatchObject({
      name: 'dispatch',
      errorCode: 'LambdaAsyncInvocationFailed',
      deadLetterQueueArn: null,
    });
    expect(letters[1]?.errorMessage).toMatch(/TypeError: cannot dispatch/);
    expect(dispatched).toHaveLength(3);
  });

  it("stop retrying once the event is older than the target's MaximumEventAgeInSeconds", async () => {
    // A clock that moves 30 s every time the engine reads it, so each retry finds the event older.
    let now = Date.parse('2026-12-01T00:00:00Z');
    const clock = new DrivenClock('2026-12-01T00:00:00Z');
    vi.spyOn(clock, 'now').mockImplementation(() => {
      now += 30_000;
      return new Date(now);
    });
    const { engine, emit } = await startEngine(
      [
        rule({
          name: 'flaky',
          targets: [
            {
              Id: 'echo',
              Arn: machineArn('Echo'),
              RetryPolicy: { MaximumRetryAttempts: 100, MaximumEventAgeInSeconds: 60 },
            },
          ],
        }),
      ],
      [],
      clock,
    );
    vi.spyOn(engine.executions, 'start').mockImplementation(() => {
      throw new Error('throttled');
    });
    await emit(approval('e-1'));
    const letters = await engine.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ name: 'flaky', errorMessage: 'throttled' });
    expect(letters[0]?.attempts).toBeLessThan(5);
  });

  it('refuse, by name, a pattern EventBridge would refuse, a target type or setting that is not emulated', async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'smwf-triggers-'));
    const start = async (r: SynthesizedRule) => TriggerEngine.start({ runner: await runnerFor([r]), stateDir });
    await expect(start(rule({ name: 'bad', eventPattern: { source: 'aws.sagemaker' } }))).rejects.toThrow(
      new InvalidEventPatternError(
        'Rule bad: Event pattern is not valid at source: a field\'s value must be an array of matchers or a nested object, got "aws.sagemaker"',
      ),
    );
    await expect(
      start(rule({ name: 'sqs', targets: [{ Id: 'q', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:q` }] })),
    ).rejects.toThrow(UnsupportedTriggerError);
    await expect(
      start(rule({ name: 'batch', targets: [{ Id: 'm', Arn: machineArn('Echo'), SqsParameters: {} }] })),
    ).rejects.toThrow(/Rule batch target m: target settings SqsParameters are not emulated/);
    await expect(start(rule({ name: 'cron', scheduleExpression: 'rate(5 minutes)' }))).rejects.toThrow(
      /scheduled rules are not emulated/,
    );
  });
});

describe('wait callbacks only', () => {
  it('run the rules whose every target is CompleteWait, and no other rule or schedule', async () => {
    const completeWait = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:CompleteWait`;
    const waits = rule({
      name: 'waits',
      eventPattern: { source: ['aws.sagemaker'], 'detail-type': ['SageMaker Endpoint State Change'] },
      targets: [{ Id: 'complete', Arn: completeWait }],
    });
    const approvals = rule({ name: 'approvals', targets: [{ Id: 'echo', Arn: machineArn('Echo') }] });
    const base = workflowsWith([waits, approvals], [schedule({})]);
    const workflows = { ...base, functions: new Map(base.functions) };
    workflows.functions.set(completeWait, {
      logicalId: 'CompleteWait',
      arn: completeWait,
      task: 'CompleteWait',
      code: 'none.ts',
      timeoutSeconds: 10,
      environment: {},
      roleArn: DISPATCHER_ROLE,
    });
    const completed: unknown[] = [];
    const runner = await createLocalRunner({
      workflows,
      handlers: { CompleteWait: async (event) => void completed.push(event) },
    });
    stateDir = mkdtempSync(join(tmpdir(), 'smwf-triggers-'));
    const clock = new DrivenClock('2026-12-01T00:00:00Z');
    let listener: ((events: readonly EmulatorEvent[]) => void) | undefined;
    engine = await TriggerEngine.start({
      runner,
      stateDir,
      clock,
      subscribe: (l) => {
        listener = l;
        return () => undefined;
      },
      triggers: 'wait-callbacks',
    });
    const endpointEvent: EmulatorEvent = {
      ...approval('endpoint-1'),
      'detail-type': 'SageMaker Endpoint State Change',
      detail: { EndpointName: 'churn', EndpointStatus: 'IN_SERVICE' },
    };

    listener?.([approval('approval-1'), endpointEvent]);
    await engine.idle();
    await clock.advanceTo('2026-12-02T00:00:00Z');
    await engine.idle();

    expect(engine.loaded).toEqual({ rules: [waits], schedules: [] });
    expect(completed).toEqual([expect.objectContaining({ id: 'endpoint-1' })]);
    expect(engine.executions.list()).toEqual([]);
  });
});

describe('the local Step Functions API', () => {
  it('returns the running execution for the same name and input, and pages ListExecutions', async () => {
    const { engine } = await startEngine([]);
    const sfn = new SFNClient({ endpoint: engine.stepFunctionsUrl });
    const start = (name: string) =>
      sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Slow'), name, input: '{"a":1}' }));
    const first = await start('same');
    const second = await start('same');
    expect(second.executionArn).toBe(first.executionArn);
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(running.status).toBe('RUNNING');
    await start('other');
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('Slow'), maxResults: 1 }));
    expect(page.executions?.map((e) => e.name)).toEqual(['other']);
    const rest = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn('Slow'), maxResults: 1, nextToken: page.nextToken }),
    );
    expect(rest.executions?.map((e) => e.name)).toEqual(['same']);
    await engine.executions.settled();
    const done = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn('Slow'), statusFilter: 'SUCCEEDED' }),
    );
    expect(done.executions).toHaveLength(2);
  });
});

describe('schedules', () => {
  it('fire on the driven clock in order, with the scheduled time and a stable execution id substituted', async () => {
    const { engine, clock } = await startEngine([], [schedule({})]);
    await clock.advanceTo('2026-12-03T12:00:00Z');
    expect(engine.deliveries.map((d) => d.scheduledTime)).toEqual([
      '2026-12-01T03:00:00.000Z',
      '2026-12-02T03:00:00.000Z',
      '2026-12-03T03:00:00.000Z',
    ]);
    await engine.executions.settled();
    const inputs = engine.executions.list().map((e) => JSON.parse(e.input) as { scheduledTime: string; id: string });
    expect(inputs.map((i) => i.scheduledTime).sort()).toEqual([
      '2026-12-01T03:00:00Z',
      '2026-12-02T03:00:00Z',
      '2026-12-03T03:00:00Z',
    ]);
    expect(engine.executions.list().every((e) => e.status === 'SUCCEEDED')).toBe(true);

    // A redelivery carries the same scheduled time and execution id.
    const again = await engine.redeliverSchedule('nightly', '2026-12-02T03:00:00Z');
    expect(again.outcome).toBe('delivered');
    const redelivered = engine.executions.list()[0];
    const first = engine.executions.list().find((e) => e.executionArn === engine.deliveries[1]?.executionArn);
    expect(redelivered?.input).toBe(first?.input);
  });

  it('honour StartDate, EndDate, DISABLED and a flexible window (a fixed moment inside it)', async () => {
    const { engine, clock } = await startEngine(
      [],
      [
        schedule({ name: 'bounded', startDate: '2026-12-02T00:00:00Z', endDate: '2026-12-03T00:00:00Z' }),
        schedule({ name: 'off', state: 'DISABLED' }),
        schedule({
          name: 'flexible',
          expression: 'at(2026-12-01T06:00:00)',
          flexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
        }),
      ],
    );
    await clock.advanceTo('2026-12-01T05:59:59Z');
    expect(engine.deliveries).toEqual([]);
    await clock.advanceTo('2026-12-01T06:30:00Z');
    expect(engine.deliveries.map((d) => [d.name, d.scheduledTime])).toEqual([['flexible', '2026-12-01T06:00:00.000Z']]);
    await clock.advanceTo('2026-12-05T00:00:00Z');
    expect(engine.deliveries.map((d) => [d.name, d.scheduledTime])).toEqual([
      ['flexible', '2026-12-01T06:00:00.000Z'],
      ['bounded', '2026-12-02T03:00:00.000Z'],
    ]);
    expect(engine.loaded.schedules.map((s) => s.name)).toEqual(['bounded', 'flexible']);
  });

  it('dead-letter a delivery whose input the state machine refuses, with the input it would have had', async () => {
    const { engine, clock } = await startEngine(
      [],
      [schedule({ target: { Arn: machineArn('Scored'), Input: '{"oops"', DeadLetterConfig: { Arn: DLQ } } })],
    );
    await clock.advanceTo('2026-12-01T03:00:00Z');
    const letters = await engine.deadLetters();
    expect(letters).toEqual([
      expect.objectContaining({
        trigger: 'schedule',
        name: 'nightly',
        errorCode: 'InvalidExecutionInput',
        deadLetterQueueArn: DLQ,
        input: '{"oops"',
      }),
    ]);
  });
});
