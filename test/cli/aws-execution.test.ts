import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOnAws, stateMachineArnFromStack } from '../../cli/aws-execution.ts';
import { executionName } from '../../cli/execution-name.ts';
import type { ExecutionEvent } from '../../local/runner/runner.ts';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:DeployEndpoint-abc';
const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
const clients = () => ({
  sfn: new SFNClient({ region: 'us-east-1' }),
  cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
});

const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 9, 0, second));
const history: HistoryEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
  { id: 2, type: 'TaskStateEntered', timestamp: at(1), stateEnteredEventDetails: { name: 'ValidateInput' } },
  { id: 3, type: 'TaskStateExited', timestamp: at(2), stateExitedEventDetails: { name: 'ValidateInput' } },
  { id: 4, type: 'TaskStateEntered', timestamp: at(3), stateEnteredEventDetails: { name: 'HealthCheck' } },
  {
    id: 5,
    type: 'TaskFailed',
    timestamp: at(5),
    taskFailedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'HealthCheckFailedError',
      cause: '{"errorMessage":"2/10 succeeded"}',
    },
  },
  {
    id: 6,
    type: 'ExecutionFailed',
    timestamp: at(9),
    executionFailedEventDetails: { error: 'HealthCheckFailedError', cause: '{"errorMessage":"2/10 succeeded"}' },
  },
];

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

afterEach(() => {
  sfnMock.reset();
});

describe('runOnAws', () => {
  it('starts the execution with the given name and follows its history to the end', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: at(0) });
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: history.slice(0, 3) })
      .resolves({ events: history });
    const seen: ExecutionEvent[] = [];

    const result = await runOnAws(clients(), {
      stateMachineArn: STATE_MACHINE,
      name: 'churn-1234',
      input: { endpointName: 'churn' },
      onEvent: (e) => seen.push(e),
      pollMs: 1,
    });

    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: 'churn-1234',
      input: '{"endpointName":"churn"}',
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HealthCheckFailedError');
    expect(seen.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'StateEntered',
      'StateExited',
      'StateEntered',
      'StateFailed',
      'ExecutionFailed',
    ]);
    expect(seen[2]?.durationMs).toBe(1000);
  });

  it('rejoins an execution started before with the same name and input instead of starting another', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(
        new SFNServiceException({ name: 'ExecutionAlreadyExists', $fault: 'client', $metadata: {}, message: 'exists' }),
      );
    sfnMock.on(DescribeExecutionCommand).resolves({ input: '{ "endpointName": "churn" }' });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
        {
          id: 2,
          type: 'ExecutionSucceeded',
          timestamp: at(3),
          executionSucceededEventDetails: { output: '{"ok":true}' },
        },
      ],
    });

    const result = await runOnAws(clients(), {
      stateMachineArn: STATE_MACHINE,
      name: 'churn-1234',
      input: { endpointName: 'churn' },
      onEvent: () => undefined,
    });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(
      'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint-abc:churn-1234',
    );
  });

  it('refuses to reuse a name whose execution had another input', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(
        new SFNServiceException({ name: 'ExecutionAlreadyExists', $fault: 'client', $metadata: {}, message: 'exists' }),
      );
    sfnMock.on(DescribeExecutionCommand).resolves({ input: '{"endpointName":"other"}' });

    const result = runOnAws(clients(), {
      stateMachineArn: STATE_MACHINE,
      name: 'churn-1234',
      input: { endpointName: 'churn' },
      onEvent: () => undefined,
    });

    await expect(result).rejects.toThrow('already exists with a different input');
  });
});

describe('stateMachineArnFromStack', () => {
  it('reads the <workflow>StateMachineArn output of the stack', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'SageMakerWorkflows',
          CreationTime: at(0),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'DeployEndpointStateMachineArn', OutputValue: STATE_MACHINE }],
        },
      ],
    });

    expect(await stateMachineArnFromStack(clients(), 'SageMakerWorkflows', 'DeployEndpoint')).toBe(STATE_MACHINE);
  });

  it('says to deploy the stack when the output is missing', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ StackName: 'x', CreationTime: at(0), StackStatus: 'CREATE_COMPLETE' }] });

    await expect(stateMachineArnFromStack(clients(), 'x', 'DeployEndpoint')).rejects.toThrow(/npx cdk deploy/);
  });
});

describe('executionName', () => {
  it('derives the same name from the same input, whatever the key order', () => {
    const a = executionName('DeployEndpoint', {
      endpointName: 'churn',
      model: { image: 'a', modelDataUrl: 's3://b/c' },
    });
    const b = executionName('DeployEndpoint', {
      model: { modelDataUrl: 's3://b/c', image: 'a' },
      endpointName: 'churn',
    });

    expect(a).toBe(b);
    expect(a).toMatch(/^churn-[0-9a-f]{16}$/);
    expect(executionName('DeployEndpoint', { endpointName: 'churn', x: 1 })).not.toBe(a);
  });

  it('stays within the 80 characters Step Functions allows', () => {
    expect(executionName('DeployEndpoint', { endpointName: 'e'.repeat(63) }).length).toBeLessThanOrEqual(80);
  });
});
