/**
 * The emulator's Application Auto Scaling on its own: registrations survive a restart (they live in the state
 * directory), and the rule it enforces on SageMaker's UpdateEndpoint (end to end: test/e2e/auto-scaling.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingApi } from '../../../local/emulator/autoscaling/api.ts';
import type { EndpointConfigRecord, EndpointRecord } from '../../../local/emulator/store/store.ts';
import { SageMakerStore } from '../../../local/emulator/store/store.ts';

const REGION = 'us-east-1';
const RESOURCE = 'endpoint/churn/variant/AllTraffic';

function config(name: string, instanceType: string, model = 'churn-model'): EndpointConfigRecord {
  return {
    EndpointConfigName: name,
    EndpointConfigArn: `arn:aws:sagemaker:${REGION}:123456789012:endpoint-config/${name}`,
    ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InstanceType: instanceType }],
    CreationTime: 0,
    smwf: { region: REGION },
  };
}

const endpoint: EndpointRecord = {
  EndpointName: 'churn',
  EndpointArn: `arn:aws:sagemaker:${REGION}:123456789012:endpoint/churn`,
  EndpointConfigName: 'churn-1',
  EndpointStatus: 'InService',
  CreationTime: 0,
  LastModifiedTime: 0,
  smwf: { region: REGION },
};

describe('emulator Application Auto Scaling', () => {
  let stateDir: string;
  let store: SageMakerStore;

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'smwf-autoscaling-'));
    store = new SageMakerStore(join(stateDir, 'sagemaker'));
    await store.endpointConfigs.put('churn-1', config('churn-1', 'ml.m5.large'));
    await store.endpoints.put('churn', endpoint);
  });

  afterEach(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps targets and policies across a restart on the same state directory', async () => {
    const api = new AutoScalingApi(join(stateDir, 'autoscaling'), store);
    await api.load();
    const target = {
      ServiceNamespace: 'sagemaker',
      ResourceId: RESOURCE,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    };
    await api.call('RegisterScalableTarget', REGION, { ...target, MinCapacity: 1, MaxCapacity: 3 });
    const put = (await api.call('PutScalingPolicy', REGION, {
      ...target,
      PolicyName: 'p',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 50,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      },
    })) as { PolicyARN: string };

    const restarted = new AutoScalingApi(join(stateDir, 'autoscaling'), store);
    await restarted.load();
    const targets = (await restarted.call('DescribeScalableTargets', REGION, { ServiceNamespace: 'sagemaker' })) as {
      ScalableTargets: { ResourceId: string; MinCapacity: number; MaxCapacity: number }[];
    };
    const policies = (await restarted.call('DescribeScalingPolicies', REGION, { ServiceNamespace: 'sagemaker' })) as {
      ScalingPolicies: { PolicyARN: string }[];
    };

    expect(targets.ScalableTargets).toMatchObject([{ ResourceId: RESOURCE, MinCapacity: 1, MaxCapacity: 3 }]);
    expect(policies.ScalingPolicies.map((p) => p.PolicyARN)).toEqual([put.PolicyARN]);
  });

  it('refuses RegisterScalableTarget with Tags as not emulated rather than dropping them', async () => {
    const api = new AutoScalingApi(join(stateDir, 'autoscaling'), store);
    await api.load();
    const call = api.call('RegisterScalableTarget', REGION, {
      ServiceNamespace: 'sagemaker',
      ResourceId: RESOURCE,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 1,
      MaxCapacity: 3,
      Tags: { team: 'churn' },
    });

    await expect(call).rejects.toMatchObject({ code: 'UnknownOperationException' });
    const targets = (await api.call('DescribeScalableTargets', REGION, { ServiceNamespace: 'sagemaker' })) as {
      ScalableTargets: unknown[];
    };
    expect(targets.ScalableTargets).toEqual([]);
  });

  it('lets an update change the model of a scaled variant, but not its instance type', async () => {
    const api = new AutoScalingApi(join(stateDir, 'autoscaling'), store);
    await api.call('RegisterScalableTarget', REGION, {
      ServiceNamespace: 'sagemaker',
      ResourceId: RESOURCE,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 1,
      MaxCapacity: 3,
    });
    const current = config('churn-1', 'ml.m5.large');

    expect(() =>
      api.checkUpdate(REGION, endpoint, current, config('churn-2', 'ml.m5.large', 'churn-model-2')),
    ).not.toThrow();
    expect(() => api.checkUpdate(REGION, endpoint, current, config('churn-3', 'ml.m5.xlarge'))).toThrow(
      /variant\(s\) \[AllTraffic\] are registered as scalable targets/,
    );
  });
});
