/**
 * The execution cleanup against the emulator's core in process (ScriptedSageMaker), through the real SageMaker
 * client: what it removes of an aborted execution (tagged by ARN, as RightSizeEndpoint's throwaway candidates are,
 * or by name, as the deployment steps tag), and what it never touches.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type SageMakerClient,
  type Tag,
} from '@aws-sdk/client-sagemaker';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { cleanUpExecution } from '../../triggers/execution-cleanup/cleanup.ts';
import { cleanupSageMaker } from '../../triggers/execution-cleanup/handler.ts';

const ARN = 'arn:aws:states:us-east-1:123456789012:execution:RightSizeEndpoint:rs-1';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:RightSizeEndpoint';
const ROLE = 'arn:aws:iam::123456789012:role/sagemaker';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1';

let aws: ScriptedSageMaker;
let client: SageMakerClient;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-25T09:00:00Z'));
  aws = new ScriptedSageMaker();
  aws.install();
  client = aws.sageMakerClient();
});

afterEach(() => {
  aws.restore();
  vi.useRealTimers();
});

/** A model, its config and (unless `endpoint` is false) an endpoint on it, all named `name` and tagged `tags`. */
async function stack(name: string, tags: Tag[], endpoint = true): Promise<void> {
  await client.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE },
      Tags: tags,
    }),
  );
  await client.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: name, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      Tags: tags,
    }),
  );
  if (endpoint)
    await client.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name, Tags: tags }));
  await aws.runDue();
}

const byExecution = (value: string): Tag[] => [{ Key: 'sagemaker-workflows:execution', Value: value }];

function cleanup(status: string, startDate: number) {
  return cleanUpExecution(
    { executionArn: ARN, stateMachineArn: MACHINE, name: 'rs-1', status, startDate, stopDate: Date.now() },
    {
      sagemaker: cleanupSageMaker(client),
      now: Date.now,
      sleep: async (ms) => {
        aws.clock.advance(ms);
        await aws.runDue();
      },
      deadline: Date.now() + 600_000,
      pollMs: 5_000,
    },
  );
}

describe('the execution cleanup', () => {
  it("removes an aborted execution's throwaway endpoints, configs and models, and nothing of anyone else", async () => {
    await stack('live', byExecution('deploy-0'));
    vi.setSystemTime(Date.now() + 60_000);
    const started = Date.now();
    await stack('candidate-a', [...byExecution(ARN), { Key: 'sagemaker-workflows:throwaway', Value: 'right-size' }]);
    await stack('candidate-b', [...byExecution(ARN), { Key: 'sagemaker-workflows:throwaway', Value: 'right-size' }]);
    await stack('other-run', byExecution('rs-2'));

    const report = await cleanup('ABORTED', started);
    await aws.runDue();

    expect(report.deleted).toEqual({
      endpoints: expect.arrayContaining(['candidate-a', 'candidate-b']),
      endpointConfigs: expect.arrayContaining(['candidate-a', 'candidate-b']),
      models: expect.arrayContaining(['candidate-a', 'candidate-b']),
    });
    expect(aws.endpoint('live')?.EndpointStatus).toBe('InService');
    expect(aws.endpoint('other-run')?.EndpointStatus).toBe('InService');
    expect(aws.endpoint('candidate-a')).toBeUndefined();
    expect(aws.endpointConfigNames().sort()).toEqual(['live', 'other-run']);
    expect(aws.modelNames().sort()).toEqual(['live', 'other-run']);
  });

  it('never deletes an endpoint that was serving before the execution started, though tagged with it', async () => {
    await stack('churn', byExecution('rs-1'));
    vi.setSystemTime(Date.now() + 60_000);

    const report = await cleanup('TIMED_OUT', Date.now());

    expect(report.deleted).toEqual({ endpoints: [], endpointConfigs: [], models: [] });
    expect(aws.endpoint('churn')?.EndpointStatus).toBe('InService');
  });

  it('keeps a config and model of the execution that a standing endpoint uses, and waits for one in progress', async () => {
    const started = Date.now();
    aws.script.provisioningSeconds = 300;
    await stack('mine', byExecution(ARN), false);
    await client.send(new CreateEndpointCommand({ EndpointName: 'shared', EndpointConfigName: 'mine' }));
    await stack('throwaway', byExecution(ARN));

    const report = await cleanup('ABORTED', started);

    expect(report.deleted).toEqual({ endpoints: ['throwaway'], endpointConfigs: ['throwaway'], models: ['throwaway'] });
    expect(report.kept).toEqual([
      { name: 'mine', reason: 'endpoint shared uses it' },
      { name: 'mine', reason: 'endpoint config mine names it' },
    ]);
    expect(aws.endpoint('shared')?.EndpointStatus).toBe('InService');
  });

  it('deletes only the throwaways of a FAILED execution: what else it made is its rollback’s and redrive’s', async () => {
    const started = Date.now();
    await stack('kept-for-redrive', byExecution(ARN));
    await stack('left-candidate', [...byExecution(ARN), { Key: 'sagemaker-workflows:throwaway', Value: 'right-size' }]);
    // A throwaway tag with the execution's name (not its ARN) is not how throwaways are tagged: not this execution's.
    await stack('named-only', [...byExecution('rs-1'), { Key: 'sagemaker-workflows:throwaway', Value: 'right-size' }]);

    const report = await cleanup('FAILED', started);
    await aws.runDue();

    expect(report.deleted).toEqual({
      endpoints: ['left-candidate'],
      endpointConfigs: ['left-candidate'],
      models: ['left-candidate'],
    });
    expect(aws.endpoint('kept-for-redrive')?.EndpointStatus).toBe('InService');
    expect(aws.endpoint('named-only')?.EndpointStatus).toBe('InService');
    expect(aws.modelNames().sort()).toEqual(['kept-for-redrive', 'named-only']);
  });

  it('acts on ABORTED, TIMED_OUT and FAILED only, and refuses an event without the execution named', async () => {
    await stack('mine', byExecution(ARN));

    const report = await cleanup('SUCCEEDED', 0);

    expect(report.ignored).toMatch(/SUCCEEDED/);
    expect(aws.endpoint('mine')?.EndpointStatus).toBe('InService');
    await expect(
      cleanUpExecution(
        { status: 'ABORTED' },
        { sagemaker: cleanupSageMaker(client), now: Date.now, sleep: async () => undefined, deadline: 0 },
      ),
    ).rejects.toMatchObject({
      name: 'InvalidStatusChangeEvent',
      message: 'detail.executionArn: expected a non-empty string',
    });
  });
});
