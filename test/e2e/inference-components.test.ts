/**
 * Inference components end to end: DeployInferenceComponent through the synthesized state machine, the local
 * runner (with every AWS call checked against the step's synthesized policy) and the real handlers, against the
 * emulator, which hosts each copy as a model server process on the endpoint's instances.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeInferenceComponentCommand, ListEndpointConfigsCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deploy as deployEndpoint,
  deployInput,
  describeEndpoint,
  type Harness,
  IMAGE,
  startHarness,
} from './harness.ts';

let h: Harness;
const ENDPOINT = 'shared-models';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

/** A DeployInferenceComponent input: a linear model as a component of `copies` copies. */
function componentInput(
  name: string,
  artifact: string,
  requirements: { cpus: number; minMemoryMb: number },
  copyCount = 1,
  overrides: Record<string, unknown> = {},
) {
  return {
    endpointName: ENDPOINT,
    // ml.m5.large: 2 vCPUs and 8 GiB per instance.
    endpoint: { instanceType: 'ml.m5.large', initialInstanceCount: 2 },
    component: {
      name,
      container: { image: IMAGE, artifact },
      computeResourceRequirements: requirements,
      copyCount,
    },
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '1,2', expectedOutputContains: 'predictions' },
      ],
      invocations: 4,
      concurrency: 2,
    },
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    ...overrides,
  };
}

function deploy(input: unknown) {
  return h.runner.start('DeployInferenceComponent', input).result;
}

/** The answer of one component for `1,2`. */
async function predictWith(component: string): Promise<string> {
  const out = await h.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: ENDPOINT,
      InferenceComponentName: component,
      ContentType: 'text/csv',
      Accept: 'application/json',
      Body: '1,2',
    }),
  );
  return new TextDecoder().decode(out.Body).trim();
}

/** The project's lifecycle events about one component, oldest first: detail-type and detail. */
async function componentEvents(name: string) {
  return (await h.emulator.readEvents())
    .filter(
      (e) =>
        e.source === 'sagemaker-workflows' &&
        (e.detail as { inferenceComponentName?: string }).inferenceComponentName === name,
    )
    .map((e) => ({ type: e['detail-type'], detail: e.detail as Record<string, unknown> }));
}

function describeComponent(name: string) {
  return h.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
}

describe('DeployInferenceComponent', () => {
  let smallV1Answer: string;
  let bigAnswer: string;

  it('creates the endpoint with the first component, then puts a second one of another size beside it', async () => {
    const first = await deploy(componentInput('small', h.models['linear-v1'], { cpus: 1, minMemoryMb: 1024 }, 2));
    const second = await deploy(componentInput('big', h.models['linear-v2'], { cpus: 1, minMemoryMb: 4096 }));

    expect(first.status, first.cause).toBe('SUCCEEDED');
    expect(first.output).toMatchObject({
      componentEndpoint: { created: true },
      component: { action: 'created' },
      componentStatus: { status: 'InService', currentCopyCount: 2 },
      healthCheck: { invocations: 4, succeeded: 4 },
    });
    expect(second.status, second.cause).toBe('SUCCEEDED');
    expect(second.output).toMatchObject({ componentEndpoint: { created: false }, component: { action: 'created' } });
    smallV1Answer = await predictWith('small');
    bigAnswer = await predictWith('big');
    expect(smallV1Answer).toContain('predictions');
    expect(bigAnswer).toContain('predictions');
    expect(smallV1Answer).not.toBe(bigAnswer);
    const endpoint = await describeEndpoint(h, ENDPOINT);
    expect(endpoint?.EndpointStatus).toBe('InService');
    expect(endpoint?.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(2);
  });

  it('reuses a component that runs the same specification already', async () => {
    const again = await deploy(componentInput('big', h.models['linear-v2'], { cpus: 1, minMemoryMb: 4096 }));

    expect(again.status, again.cause).toBe('SUCCEEDED');
    expect(again.output).toMatchObject({ component: { action: 'reused' } });
  });

  it('scales a component to another copy count and back, without rolling its copies', async () => {
    const up = await deploy(componentInput('big', h.models['linear-v2'], { cpus: 1, minMemoryMb: 4096 }, 2));
    const answeredAtTwo = await predictWith('big');
    // Back to one copy: the rolling update below needs a free core for its batch.
    const down = await deploy(componentInput('big', h.models['linear-v2'], { cpus: 1, minMemoryMb: 4096 }, 1));

    expect(up.status, up.cause).toBe('SUCCEEDED');
    expect(up.output).toMatchObject({
      component: { action: 'updated' },
      componentStatus: { status: 'InService', currentCopyCount: 2, desiredCopyCount: 2 },
    });
    expect(answeredAtTwo).toBe(bigAnswer);
    expect(down.status, down.cause).toBe('SUCCEEDED');
    expect(down.output).toMatchObject({ componentStatus: { currentCopyCount: 1, desiredCopyCount: 1 } });
  });

  it('updates one component copy by copy while the other answers every call', async () => {
    const errors: unknown[] = [];
    const bigAnswers: string[] = [];
    let stop = false;
    const invoker = (async () => {
      while (!stop) {
        try {
          bigAnswers.push(await predictWith('big'));
        } catch (error) {
          errors.push(error);
        }
      }
    })();

    const updated = await deploy(
      componentInput('small', h.models['linear-v2'], { cpus: 1, minMemoryMb: 1024 }, 2, {
        rollingUpdate: { maximumBatchSize: { type: 'COPY_COUNT', value: 1 }, waitIntervalSeconds: 0 },
      }),
    );
    stop = true;
    await invoker;

    expect(updated.status, updated.cause).toBe('SUCCEEDED');
    expect(updated.output).toMatchObject({ component: { action: 'updated' } });
    expect(errors).toEqual([]);
    expect(bigAnswers.length).toBeGreaterThan(0);
    expect(new Set(bigAnswers)).toEqual(new Set([bigAnswer]));
    expect(await predictWith('small')).toBe(bigAnswer);
    expect(await predictWith('small')).not.toBe(smallV1Answer);
  });

  it('rolls a component whose update fails its health check back to the previous specification', async () => {
    const broken = await deploy(
      componentInput('small', h.models['linear-v3-broken'], { cpus: 1, minMemoryMb: 1024 }, 2),
    );
    const after = await describeComponent('small');

    expect(broken.status).toBe('FAILED');
    expect(broken.error).toBe('HealthCheckFailedError');
    expect(after.InferenceComponentStatus).toBe('InService');
    expect(after.Specification?.Container?.ArtifactUrl).toBe(h.models['linear-v2']);
    expect(after.RuntimeConfig?.CurrentCopyCount).toBe(2);
    expect(await predictWith('small')).toBe(bigAnswer);
  });

  it('copy-count autoscaling registered after success and unchanged after a rollback', async () => {
    const scaling = new ApplicationAutoScalingClient({});
    const registration = async () => {
      const target = { ServiceNamespace: 'sagemaker', ResourceId: 'inference-component/big' } as const;
      const targets = await scaling.send(
        new DescribeScalableTargetsCommand({ ...target, ResourceIds: [target.ResourceId] }),
      );
      const policies = await scaling.send(new DescribeScalingPoliciesCommand(target));
      return {
        targets: targets.ScalableTargets?.map((t) => ({
          dimension: t.ScalableDimension,
          min: t.MinCapacity,
          max: t.MaxCapacity,
          suspended: t.SuspendedState,
        })),
        policies: policies.ScalingPolicies?.map((p) => p.TargetTrackingScalingPolicyConfiguration),
      };
    };
    const scaled = (min: number, max: number, targetValue: number) => ({
      autoScaling: { minCapacity: min, maxCapacity: max, targetTracking: { targetValue } },
    });

    const registered = await deploy(
      componentInput('big', h.models['linear-v2'], { cpus: 1, minMemoryMb: 4096 }, 1, scaled(1, 2, 100)),
    );
    const afterSuccess = await registration();
    const broken = await deploy(
      componentInput('big', h.models['linear-v3-broken'], { cpus: 1, minMemoryMb: 4096 }, 1, scaled(1, 3, 20)),
    );
    const afterRollback = await registration();

    expect(registered.status, registered.cause).toBe('SUCCEEDED');
    expect(registered.output).toMatchObject({ component: { action: 'reused' } });
    expect(afterSuccess).toEqual({
      targets: [
        {
          dimension: 'sagemaker:inference-component:DesiredCopyCount',
          min: 1,
          max: 2,
          suspended: {
            DynamicScalingInSuspended: false,
            DynamicScalingOutSuspended: false,
            ScheduledScalingSuspended: false,
          },
        },
      ],
      policies: [
        {
          TargetValue: 100,
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerInferenceComponentInvocationsPerCopy' },
          DisableScaleIn: false,
        },
      ],
    });
    expect(broken.status).toBe('FAILED');
    expect(broken.error).toBe('HealthCheckFailedError');
    expect(afterRollback).toEqual(afterSuccess);
    expect((await describeComponent('big')).Specification?.Container?.ArtifactUrl).toBe(h.models['linear-v2']);
    expect(await predictWith('big')).toBe(bigAnswer);
    // DeployEndpoint's lifecycle events, about the component, each run released the endpoint's lease.
    const [succeeded, rolledBack] = (await componentEvents('big')).slice(-2);
    expect(succeeded).toMatchObject({
      type: 'Deployment Succeeded',
      detail: {
        endpointName: ENDPOINT,
        componentAction: 'reused',
        componentAutoScaling: { applied: { maxCapacity: 2 } },
      },
    });
    expect(rolledBack).toMatchObject({
      type: 'Deployment Rolled Back',
      detail: {
        componentAction: 'updated',
        error: { name: 'HealthCheckFailedError' },
        rollback: { action: 'restore' },
        componentAutoScaling: { suspended: true, restored: true },
      },
    });
  });

  it('fails a component too large for the free capacity with the capacity error, deleting it and keeping the rest', async () => {
    const huge = await deploy(componentInput('huge', h.models['linear-v1'], { cpus: 2, minMemoryMb: 1024 }));

    expect(huge.status).toBe('FAILED');
    expect(huge.error).toBe('InferenceComponentCapacityError');
    expect(huge.cause).toContain('insufficient capacity');
    await expect(describeComponent('huge')).rejects.toThrow('Could not find inference component');
    expect((await describeEndpoint(h, ENDPOINT))?.EndpointStatus).toBe('InService');
    expect(await predictWith('big')).toBe(bigAnswer);
    expect(await predictWith('small')).toBe(bigAnswer);
  });

  it('refuses a DeployEndpoint update of the endpoint that hosts the components, leaving them serving', async () => {
    const configBefore = (await describeEndpoint(h, ENDPOINT))?.EndpointConfigName;

    const refused = await deployEndpoint(h, deployInput(ENDPOINT, h.models['linear-v1']));

    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('ResourceConflictError');
    expect(refused.cause).toContain(`Endpoint ${ENDPOINT} hosts inference components`);
    const endpoint = await describeEndpoint(h, ENDPOINT);
    expect(endpoint?.EndpointStatus).toBe('InService');
    expect(endpoint?.EndpointConfigName).toBe(configBefore);
    expect(await predictWith('big')).toBe(bigAnswer);
    expect(await predictWith('small')).toBe(bigAnswer);
  });

  it('deletes the component and the endpoint it created when its first creation fails', async () => {
    const failed = await deploy({
      ...componentInput('lonely', h.models['linear-v3-broken'], { cpus: 1, minMemoryMb: 1024 }),
      endpointName: 'lonely-endpoint',
    });

    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('HealthCheckFailedError');
    expect(failed.output ?? {}).toEqual({});
    await expect(describeComponent('lonely')).rejects.toThrow('Could not find inference component');
    expect(await describeEndpoint(h, 'lonely-endpoint')).toBeUndefined();
    const configs = await h.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: 'lonely-endpoint' }));
    expect(configs.EndpointConfigs).toEqual([]);
  });

  it('refuses a rolling batch over half of the copies at the first state, creating nothing', async () => {
    const refused = await deploy(
      componentInput('refused', h.models['linear-v1'], { cpus: 1, minMemoryMb: 1024 }, 1, {
        rollingUpdate: { maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 60 } },
      }),
    );

    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('InvalidInputError');
    expect(refused.cause).toContain('rollingUpdate.maximumBatchSize.value');
    await expect(describeComponent('refused')).rejects.toThrow('Could not find inference component');
  });
});

describe('RemoveInferenceComponent', () => {
  function remove(name: string, overrides: Record<string, unknown> = {}) {
    return h.runner.start('RemoveInferenceComponent', {
      endpointName: ENDPOINT,
      component: { name },
      probe: { contentType: 'text/csv', body: '1,2' },
      wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
      ...overrides,
    }).result;
  }

  it('removes one component, reports that the endpoint refuses its name, and the other still answers', async () => {
    const before = await predictWith('small');

    const removed = await remove('big');

    expect(removed.status, removed.cause).toBe('SUCCEEDED');
    expect(removed.output).toMatchObject({
      // Its copy-count autoscaling (registered above) went first.
      removal: { existed: true, autoScalingDeregistered: true },
      componentStatus: { status: 'Deleted', settled: true },
      probe: { answer: 'refused', errorName: 'ValidationError' },
      endpointRemoval: { deleted: false },
    });
    await expect(describeComponent('big')).rejects.toThrow('Could not find inference component');
    const targets = await new ApplicationAutoScalingClient({}).send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker', ResourceIds: ['inference-component/big'] }),
    );
    expect(targets.ScalableTargets).toEqual([]);
    expect(await predictWith('small')).toBe(before);
    expect((await componentEvents('big')).at(-1)).toMatchObject({
      type: 'Inference Component Removed',
      detail: { endpointName: ENDPOINT, existed: true, probe: { answer: 'refused' } },
    });
  });

  it('removes the last component and, when asked, the endpoint with it', async () => {
    const removed = await remove('small', { deleteEndpointWhenEmpty: true });

    expect(removed.status, removed.cause).toBe('SUCCEEDED');
    expect(removed.output).toMatchObject({ removal: { existed: true }, endpointRemoval: { deleted: true } });
    expect(await describeEndpoint(h, ENDPOINT)).toBeUndefined();
  });
});
