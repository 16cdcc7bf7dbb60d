/**
 * Application Auto Scaling of inference components' copy counts, on the emulator's core in process
 * (ScriptedSageMaker: the same control plane, hosting, runtime and autoscaling API, on a manual clock): a registered
 * range puts the copy count within it, and a target-tracking policy on SageMakerInferenceComponentInvocationsPerCopy
 * changes the copy count from the invocations the runtime served, minute by minute.
 */
import {
  type ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  DeleteInferenceComponentCommand,
  DescribeInferenceComponentCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { beforeEach, describe, expect, it } from 'vitest';
import { HOSTING_INSTANCE_RESOURCES } from '../../../contracts/parts/instance-resources.ts';
import { ScriptedSageMaker } from '../../../local/emulator/scripted/scripted-sagemaker.ts';

const COMPONENT = 'churn';
const TARGET = {
  ServiceNamespace: 'sagemaker',
  ResourceId: `inference-component/${COMPONENT}`,
  ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
} as const;
/** Target tracking of 10 invocations per copy per minute, with one-minute cooldowns. */
const POLICY = {
  ...TARGET,
  PolicyName: 'copies',
  PolicyType: 'TargetTrackingScaling',
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: 10,
    PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerInferenceComponentInvocationsPerCopy' },
    ScaleInCooldown: 60,
    ScaleOutCooldown: 60,
  },
} as const;

let aws: ScriptedSageMaker;
let sagemaker: SageMakerClient;
let runtime: SageMakerRuntimeClient;
let scaling: ApplicationAutoScalingClient;

/** The component's desired and current copy counts, once it is no longer changing. */
async function copies(): Promise<{ desired: number | undefined; current: number | undefined; status: string }> {
  for (let i = 0; i < 50; i++) {
    const out = await sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: COMPONENT }));
    if (out.InferenceComponentStatus === 'InService') {
      return {
        desired: out.RuntimeConfig?.DesiredCopyCount,
        current: out.RuntimeConfig?.CurrentCopyCount,
        status: out.InferenceComponentStatus,
      };
    }
    await aws.advance(1);
  }
  throw new Error(`${COMPONENT} did not settle`);
}

/** `perMinute` invocations of the component in each of `minutes` minutes, the clock moving a minute after each. */
async function traffic(perMinute: number, minutes: number): Promise<void> {
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < perMinute; i++) {
      await runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'shared',
          InferenceComponentName: COMPONENT,
          ContentType: 'text/csv',
          Body: '1,2',
        }),
      );
    }
    await aws.advance(60);
  }
}

beforeEach(async () => {
  // A whole minute, so each minute of traffic falls in one datapoint.
  aws = new ScriptedSageMaker({ instanceTypes: HOSTING_INSTANCE_RESOURCES, startTime: Date.UTC(2026, 0, 5, 9) });
  sagemaker = aws.sageMakerClient();
  runtime = aws.runtimeClient();
  scaling = aws.autoScalingClient();
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'shared-config',
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/test',
      // ml.m5.large: 2 vCPUs, room for four copies of half a core.
      ProductionVariants: [{ VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
    }),
  );
  await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'shared', EndpointConfigName: 'shared-config' }));
  await aws.advance(1);
  await sagemaker.send(
    new CreateInferenceComponentCommand({
      InferenceComponentName: COMPONENT,
      EndpointName: 'shared',
      VariantName: 'AllTraffic',
      Specification: {
        Container: { Image: 'smwf-examples/linear:1', ArtifactUrl: 's3://models/churn/model.tar.gz' },
        ComputeResourceRequirements: { NumberOfCpuCoresRequired: 0.5, MinMemoryRequiredInMb: 512 },
      },
      RuntimeConfig: { CopyCount: 1 },
    }),
  );
  expect(await copies()).toMatchObject({ desired: 1, current: 1 });
});

describe('emulator Application Auto Scaling of inference component copies', () => {
  it('registers a component and puts its copy count within the registered range', async () => {
    await scaling.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 2, MaxCapacity: 4 }));

    const targets = await scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(targets.ScalableTargets).toMatchObject([{ ...TARGET, MinCapacity: 2, MaxCapacity: 4 }]);
    expect(await copies()).toEqual({ desired: 2, current: 2, status: 'InService' });
  });

  it('adds copies after three minutes above the target, and removes them after fifteen below 90% of it', async () => {
    await scaling.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 3 }));
    await scaling.send(new PutScalingPolicyCommand(POLICY));

    // Two minutes of 40 a copy: not yet three datapoints above 10.
    await traffic(40, 2);
    expect(await copies()).toMatchObject({ desired: 1 });
    // The third: ceil(1 x 40 / 10) = 4, capped at the maximum of 3.
    await traffic(40, 1);
    expect(await copies()).toEqual({ desired: 3, current: 3, status: 'InService' });

    // 6 a minute over 3 copies: 2 a copy, below 9, for fifteen minutes: ceil(3 x 2 / 10) = 1.
    await traffic(6, 14);
    expect(await copies()).toMatchObject({ desired: 3 });
    await traffic(6, 1);
    expect(await copies()).toEqual({ desired: 1, current: 1, status: 'InService' });
  });

  it('leaves the copy count alone while dynamic scaling is suspended', async () => {
    await scaling.send(
      new RegisterScalableTargetCommand({
        ...TARGET,
        MinCapacity: 1,
        MaxCapacity: 3,
        SuspendedState: { DynamicScalingOutSuspended: true, DynamicScalingInSuspended: true },
      }),
    );
    await scaling.send(new PutScalingPolicyCommand(POLICY));

    await traffic(40, 4);

    expect(await copies()).toMatchObject({ desired: 1 });
  });

  it('refuses what it would not act on: step scaling, customized metrics, scaling to zero', async () => {
    await scaling.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 3 }));

    await expect(
      scaling.send(
        new PutScalingPolicyCommand({
          ...TARGET,
          PolicyName: 'steps',
          PolicyType: 'StepScaling',
          StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity' },
        }),
      ),
    ).rejects.toThrow(
      /StepScaling policy on an inference component's copy count .* not supported by the smwf local emulator/,
    );
    await expect(
      scaling.send(
        new PutScalingPolicyCommand({
          ...POLICY,
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 10,
            CustomizedMetricSpecification: { MetricName: 'Mine', Namespace: 'Team', Statistic: 'Average' },
          },
        }),
      ),
    ).rejects.toThrow(/customized metric for an inference component's copy count .* not supported/);
    await expect(
      scaling.send(
        new PutScalingPolicyCommand({
          ...POLICY,
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 10,
            PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          },
        }),
      ),
    ).rejects.toThrow(/expected SageMakerInferenceComponentInvocationsPerCopy/);
    await expect(
      scaling.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 0, MaxCapacity: 3 })),
    ).rejects.toThrow(/to zero copies .* not supported by the smwf local emulator/);
    await expect(
      scaling.send(
        new RegisterScalableTargetCommand({
          ...TARGET,
          ResourceId: 'inference-component/missing',
          MinCapacity: 1,
          MaxCapacity: 3,
        }),
      ),
    ).rejects.toThrow('The inference component missing does not exist.');
  });

  it('deregisters a component that is deleted', async () => {
    await scaling.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 3 }));
    await scaling.send(new PutScalingPolicyCommand(POLICY));

    await sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: COMPONENT }));

    const targets = await scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(targets.ScalableTargets).toEqual([]);
  });
});
