import { beforeEach, describe, expect, it } from 'vitest';
import type { ComponentAutoScaling, RecordedScaling } from '../../contracts/parts/auto-scaling.ts';
import { type ComponentScalingGateway, desiredComponentRegistration } from '../../tasks/_shared/auto-scaling.ts';
import { applyComponentAutoScaling } from '../../tasks/apply-component-auto-scaling/apply-component-auto-scaling.ts';
import { recordComponentAutoScaling } from '../../tasks/record-component-auto-scaling/record-component-auto-scaling.ts';
import { restoreComponentAutoScaling } from '../../tasks/restore-component-auto-scaling/restore-component-auto-scaling.ts';
import { suspendComponentAutoScaling } from '../../tasks/suspend-component-auto-scaling/suspend-component-auto-scaling.ts';

/** Application Auto Scaling in memory, for inference components. */
class FakeComponentScaling implements ComponentScalingGateway {
  targets = new Map<string, RecordedScaling>();

  async describe(name: string) {
    const target = this.targets.get(name);
    return target === undefined ? undefined : structuredClone(target);
  }
  async register(name: string, registration: RecordedScaling) {
    const existing = this.targets.get(name);
    this.targets.set(name, { ...structuredClone(registration), policies: existing?.policies ?? [] });
  }
  async deregister(name: string) {
    return this.targets.delete(name);
  }
  async putPolicy(name: string, policy: RecordedScaling['policies'][number]) {
    const target = this.targets.get(name);
    if (!target) throw Object.assign(new Error('No scalable target registered'), { name: 'ObjectNotFoundException' });
    target.policies = [...target.policies.filter((p) => p.policyName !== policy.policyName), structuredClone(policy)];
  }
  async deletePolicy(name: string, policyName: string) {
    const target = this.targets.get(name);
    if (target) target.policies = target.policies.filter((p) => p.policyName !== policyName);
  }
}

const SETTINGS: ComponentAutoScaling = {
  minCapacity: 1,
  maxCapacity: 4,
  targetTracking: { targetValue: 100, disableScaleIn: false },
};
const request = (autoScaling?: ComponentAutoScaling) => ({
  request: { component: { name: 'churn' }, ...(autoScaling ? { autoScaling } : {}) },
});

describe('component autoscaling steps', () => {
  let scaling: FakeComponentScaling;

  beforeEach(() => {
    scaling = new FakeComponentScaling();
  });

  it('tracks invocations per copy with the range asked for, not suspended', () => {
    expect(
      desiredComponentRegistration({
        ...SETTINGS,
        targetTracking: { targetValue: 50, scaleInCooldownSeconds: 600, disableScaleIn: true },
      }),
    ).toEqual({
      minCapacity: 1,
      maxCapacity: 4,
      suspendedState: {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
      policies: [
        {
          policyName: 'sagemaker-workflows-target-tracking',
          policyType: 'TargetTrackingScaling',
          configuration: {
            TargetValue: 50,
            PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerInferenceComponentInvocationsPerCopy' },
            ScaleInCooldown: 600,
            DisableScaleIn: true,
          },
        },
      ],
    });
  });

  it('records, suspends, and on a failure restores the registration as it was', async () => {
    await scaling.register('churn', desiredComponentRegistration(SETTINGS));
    await scaling.putPolicy('churn', { policyName: 'ops', policyType: 'TargetTrackingScaling', configuration: {} });
    const before = await scaling.describe('churn');

    const recorded = await recordComponentAutoScaling(request(), { scaling });
    const suspended = await suspendComponentAutoScaling(recorded, { scaling });
    const whileSuspended = await scaling.describe('churn');
    // The failed run had got as far as applying other settings.
    await applyComponentAutoScaling({ ...suspended, ...request({ ...SETTINGS, maxCapacity: 8 }) }, { scaling });
    const restored = await restoreComponentAutoScaling(suspended, { scaling });

    expect(recorded.componentAutoScaling).toEqual({ previous: before });
    expect(suspended.componentAutoScaling.suspended).toBe(true);
    expect(whileSuspended?.suspendedState).toEqual({
      DynamicScalingInSuspended: true,
      DynamicScalingOutSuspended: true,
      ScheduledScalingSuspended: true,
    });
    expect(whileSuspended?.policies).toEqual(before?.policies);
    expect(restored.componentAutoScaling).toMatchObject({ restored: true });
    expect(await scaling.describe('churn')).toEqual(before);
  });

  it('applies the settings asked for, and deregisters a component whose input has none', async () => {
    const recorded = await recordComponentAutoScaling(request(), { scaling });

    const applied = await applyComponentAutoScaling({ ...recorded, ...request(SETTINGS) }, { scaling });
    const registered = await scaling.describe('churn');
    await applyComponentAutoScaling({ ...recorded, ...request() }, { scaling });

    expect(recorded.componentAutoScaling).toEqual({});
    expect(applied.componentAutoScaling.applied).toEqual(desiredComponentRegistration(SETTINGS));
    expect(registered).toEqual(desiredComponentRegistration(SETTINGS));
    expect(await scaling.describe('churn')).toBeUndefined();
  });

  it('suspends nothing when the component is not registered, and restores nothing when nothing was recorded', async () => {
    const recorded = await recordComponentAutoScaling(request(), { scaling });

    const suspended = await suspendComponentAutoScaling(recorded, { scaling });
    const unrecorded = await restoreComponentAutoScaling(request(), { scaling });

    expect(suspended.componentAutoScaling.suspended).toBe(false);
    expect(scaling.targets.size).toBe(0);
    expect(unrecorded).toEqual(request());
  });
});
