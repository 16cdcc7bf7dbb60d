import { beforeEach, describe, expect, it } from 'vitest';
import type { VariantAutoScaling } from '../../contracts/parts/auto-scaling.ts';
import { desiredRegistration, reconcileScaling } from '../../tasks/_shared/auto-scaling.ts';
import type { EndpointConfigDescription, EndpointDescription } from '../../tasks/_shared/sagemaker.ts';
import { applyAutoScaling } from '../../tasks/apply-auto-scaling/apply-auto-scaling.ts';
import { recordAutoScaling } from '../../tasks/record-auto-scaling/record-auto-scaling.ts';
import { restoreAutoScaling } from '../../tasks/restore-auto-scaling/restore-auto-scaling.ts';
import { suspendAutoScaling } from '../../tasks/suspend-auto-scaling/suspend-auto-scaling.ts';
import { FakeAutoScaling } from './fakes.ts';

const SETTINGS: VariantAutoScaling = {
  minCapacity: 1,
  maxCapacity: 4,
  targetTracking: { metric: 'SageMakerVariantInvocationsPerInstance', targetValue: 100, disableScaleIn: false },
};

const stepPolicy = {
  policyName: 'ops-step',
  policyType: 'StepScaling',
  configuration: { AdjustmentType: 'ExactCapacity' },
};

/** SageMaker answering DescribeEndpoint and DescribeEndpointConfig for an endpoint serving `variants`. */
function sageMakerServing(variants: { name: string; instanceType: string }[]) {
  return {
    async describeEndpoint(name: string): Promise<EndpointDescription> {
      return { name, arn: `arn:${name}`, status: 'InService', configName: 'churn-old' };
    },
    async describeEndpointConfig(name: string): Promise<EndpointConfigDescription> {
      return {
        EndpointConfigName: name,
        EndpointConfigArn: `arn:${name}`,
        ProductionVariants: variants.map((v) => ({
          VariantName: v.name,
          InstanceType: v.instanceType as 'ml.m5.large',
        })),
      };
    },
  };
}

describe('autoscaling steps', () => {
  let autoScaling: FakeAutoScaling;

  beforeEach(() => {
    autoScaling = new FakeAutoScaling();
  });

  it('records the registration found before the deployment', async () => {
    await autoScaling.register('churn', { ...desiredRegistration('churn', 'A', SETTINGS), policies: [] });

    const out = await recordAutoScaling({ request: { endpointName: 'churn' } }, { autoScaling });

    expect(out.autoScaling.previous.map((t) => t.variantName)).toEqual(['A']);
  });

  it('suspends only the variants an update removes or moves to another instance type', async () => {
    for (const variant of ['Same', 'Bigger', 'Removed']) {
      await autoScaling.register('churn', desiredRegistration('churn', variant, SETTINGS));
    }
    const previous = await autoScaling.describeTargets();
    const sagemaker = sageMakerServing([
      { name: 'Same', instanceType: 'ml.m5.large' },
      { name: 'Bigger', instanceType: 'ml.m5.large' },
      { name: 'Removed', instanceType: 'ml.m5.large' },
    ]);
    const request = {
      endpointName: 'churn',
      variants: [
        { name: 'Same', instanceType: 'ml.m5.large' },
        { name: 'Bigger', instanceType: 'ml.m5.xlarge' },
      ],
    };

    const out = await suspendAutoScaling({ request, autoScaling: { previous } }, { sagemaker, autoScaling });
    const again = await suspendAutoScaling({ request, autoScaling: { previous } }, { sagemaker, autoScaling });

    expect(out.autoScaling.suspended).toEqual(['Bigger', 'Removed']);
    expect(again.autoScaling.suspended).toEqual(['Bigger', 'Removed']);
    expect([...autoScaling.targets.keys()]).toEqual(['Same']);
  });

  it('applies the settings asked for and deregisters variants that have none', async () => {
    await autoScaling.register('churn', desiredRegistration('churn', 'Old', SETTINGS));

    const out = await applyAutoScaling(
      { request: { endpointName: 'churn', autoScaling: { A: SETTINGS } }, autoScaling: { previous: [] } },
      { autoScaling },
    );

    expect([...autoScaling.targets.keys()]).toEqual(['A']);
    expect(autoScaling.targets.get('A')?.policies).toEqual(desiredRegistration('churn', 'A', SETTINGS).policies);
    expect(out.autoScaling.applied).toEqual([desiredRegistration('churn', 'A', SETTINGS)]);
  });

  it('reconciles idempotently, deleting policies the registration does not have', async () => {
    await autoScaling.register('churn', desiredRegistration('churn', 'A', SETTINGS));
    await autoScaling.putPolicy('churn', 'A', stepPolicy);
    const desired = [desiredRegistration('churn', 'A', { ...SETTINGS, maxCapacity: 9 })];

    await reconcileScaling(autoScaling, 'churn', desired);
    const afterFirst = await autoScaling.describeTargets();
    await reconcileScaling(autoScaling, 'churn', desired);

    expect(afterFirst).toEqual(desired);
    expect(await autoScaling.describeTargets()).toEqual(afterFirst);
  });

  it('restores the recorded registration on rollback, policies included', async () => {
    const previous = [{ ...desiredRegistration('churn', 'A', SETTINGS), policies: [stepPolicy] }];
    await autoScaling.register('churn', desiredRegistration('churn', 'A', { ...SETTINGS, minCapacity: 3 }));
    await autoScaling.register('churn', desiredRegistration('churn', 'B', SETTINGS));

    const out = await restoreAutoScaling(
      { request: { endpointName: 'churn' }, autoScaling: { previous }, rollback: { action: 'restore' } },
      { autoScaling },
    );

    expect(await autoScaling.describeTargets()).toEqual(previous);
    expect(out.autoScaling).toMatchObject({ restored: true });
  });

  it('restores nothing when nothing was recorded, the endpoint was deleted, or something else changed it since', async () => {
    await restoreAutoScaling({ request: { endpointName: 'churn' }, rollback: { action: 'none' } }, { autoScaling });
    await restoreAutoScaling(
      { request: { endpointName: 'churn' }, autoScaling: { previous: [] }, rollback: { action: 'delete' } },
      { autoScaling },
    );
    await restoreAutoScaling(
      {
        request: { endpointName: 'churn' },
        autoScaling: { previous: [] },
        rollback: { action: 'none', reason: 'Endpoint churn is InService on churn-by-hand, not on this run config' },
      },
      { autoScaling },
    );

    expect(autoScaling.changes).toBe(0);
  });

  it("tracks an async endpoint's backlog per instance as AWS documents it", () => {
    const registration = desiredRegistration('jobs', 'AllTraffic', {
      minCapacity: 0,
      maxCapacity: 2,
      targetTracking: { metric: 'ApproximateBacklogSizePerInstance', targetValue: 5, disableScaleIn: false },
    });

    expect(registration.policies[0]?.configuration).toMatchObject({
      TargetValue: 5,
      CustomizedMetricSpecification: {
        MetricName: 'ApproximateBacklogSizePerInstance',
        Namespace: 'AWS/SageMaker',
        Dimensions: [{ Name: 'EndpointName', Value: 'jobs' }],
        Statistic: 'Average',
      },
    });
  });
});
