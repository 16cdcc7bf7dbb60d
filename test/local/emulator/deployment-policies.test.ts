/**
 * UpdateEndpoint's DeploymentConfig acted on, not stored: a rolling deployment shifts traffic batch by batch with its
 * wait interval, and MaximumExecutionTimeoutInSeconds rolls a deployment back when it runs out of time. On the
 * scripted SageMaker's manual clock, so minutes of baking take none.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type DeploymentConfig,
  DescribeEndpointCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedSageMaker } from '../../../local/emulator/scripted/scripted-sagemaker.ts';

const ROLE = 'arn:aws:iam::123456789012:role/smwf-test';

describe('UpdateEndpoint deployment policies', () => {
  let aws: ScriptedSageMaker;
  let sagemaker: SageMakerClient;

  const config = async (name: string, instances: number) => {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/linear:1' },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: name, InstanceType: 'ml.m5.large', InitialInstanceCount: instances },
        ],
      }),
    );
  };
  const describe_ = () => sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'policies' }));

  /** An endpoint serving v1 on four instances, then UpdateEndpoint to v2 with `deploymentConfig`, its fleet up. */
  const updateWith = async (deploymentConfig: DeploymentConfig) => {
    await config('v1', 4);
    await config('v2', 4);
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'policies', EndpointConfigName: 'v1' }));
    await aws.settle('policies');
    await sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: 'policies',
        EndpointConfigName: 'v2',
        DeploymentConfig: deploymentConfig,
      }),
    );
    await aws.settle('policies');
  };

  beforeEach(() => {
    aws = new ScriptedSageMaker();
    sagemaker = aws.sageMakerClient();
  });

  afterEach(() => {
    aws.restore();
  });

  it('rolls out one batch of instances per wait interval, baking each, before the new config serves alone', async () => {
    await updateWith({
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 1 },
        WaitIntervalInSeconds: 120,
      },
    });

    const first = await describe_();
    await aws.advance(120);
    const second = await describe_();
    await aws.advance(240);
    const done = await describe_();

    expect(first.EndpointStatus).toBe('Updating');
    expect(first.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status).toBe('Baking');
    expect(second.EndpointStatus).toBe('Updating');
    expect(done.EndpointStatus).toBe('InService');
    expect(done.EndpointConfigName).toBe('v2');
    expect(done.FailureReason).toBeUndefined();
  });

  it('rolls a deployment back when it outlasts MaximumExecutionTimeoutInSeconds: the old config serves, with a reason', async () => {
    await updateWith({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'LINEAR',
          LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
          WaitIntervalInSeconds: 300,
        },
        MaximumExecutionTimeoutInSeconds: 600,
      },
    });

    await aws.advance(300);
    const halfway = await describe_();
    await aws.advance(300);
    const after = await describe_();

    expect(halfway.EndpointStatus).toBe('Updating');
    expect(after.EndpointStatus).toBe('InService');
    expect(after.EndpointConfigName).toBe('v1');
    expect(after.FailureReason).toBe(
      'The deployment did not finish within MaximumExecutionTimeoutInSeconds (600 seconds); it was rolled back.',
    );
    expect(after.PendingDeploymentSummary).toBeUndefined();
  });
});
