/**
 * DeployEndpoint's autoscaling end to end: the synthesized definition, the local runner, the real handlers and their
 * unchanged Application Auto Scaling client (through AWS_ENDPOINT_URL), against the emulator's Application Auto
 * Scaling and real model processes.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateEndpointConfigCommand,
  DeleteEndpointCommand,
  DescribeEndpointConfigCommand,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../local/runner/runner.ts';
import { deploy, deployInput, describeEndpoint, type Harness, startHarness } from './harness.ts';

let h: Harness;
let autoScaling: ApplicationAutoScalingClient;

beforeAll(async () => {
  h = await startHarness();
  autoScaling = new ApplicationAutoScalingClient({});
});

afterAll(async () => {
  await h?.close();
});

const ENDPOINT = 'e2e-scaling';
const variant = (endpoint: string, name = 'AllTraffic') => `endpoint/${endpoint}/variant/${name}`;

/** The endpoint's scalable targets and policies, as Application Auto Scaling describes them. */
async function registrationOf(endpoint: string) {
  const targets = await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
  const mine = (targets.ScalableTargets ?? []).filter((t) => t.ResourceId?.startsWith(`endpoint/${endpoint}/`));
  const policies = await Promise.all(
    mine.map((t) =>
      autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker', ResourceId: t.ResourceId })),
    ),
  );
  return mine.map((t, i) => ({
    resourceId: t.ResourceId,
    min: t.MinCapacity,
    max: t.MaxCapacity,
    policies: (policies[i]?.ScalingPolicies ?? []).map((p) => ({
      name: p.PolicyName,
      type: p.PolicyType,
      configuration: p.TargetTrackingScalingPolicyConfiguration,
      alarms: p.Alarms?.length,
    })),
  }));
}

/** The output of the state `name` the first time the execution left it. */
function outputOf(result: ExecutionResult, name: string): { autoScaling?: Record<string, unknown> } | undefined {
  for (const event of result.events) {
    if (event.type === 'StateExited' && 'state' in event && event.state.name === name) {
      return event.state.output as { autoScaling?: Record<string, unknown> };
    }
  }
  return undefined;
}

/** An error a promise rejects with: its name and message. */
async function failureOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected the call to fail');
}

describe('DeployEndpoint autoScaling on the local emulator', () => {
  it('registers the variant and its target-tracking policy after a successful deployment', async () => {
    const result = await deploy(
      h,
      deployInput(ENDPOINT, h.models['linear-v1'], {
        autoScaling: {
          AllTraffic: {
            minCapacity: 1,
            maxCapacity: 3,
            targetTracking: {
              metric: 'SageMakerVariantInvocationsPerInstance',
              targetValue: 70,
              scaleInCooldownSeconds: 300,
              scaleOutCooldownSeconds: 60,
            },
          },
        },
      }),
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(await registrationOf(ENDPOINT)).toEqual([
      {
        resourceId: variant(ENDPOINT),
        min: 1,
        max: 3,
        policies: [
          {
            name: 'sagemaker-workflows-target-tracking',
            type: 'TargetTrackingScaling',
            configuration: {
              TargetValue: 70,
              PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
              ScaleInCooldown: 300,
              ScaleOutCooldown: 60,
              DisableScaleIn: false,
            },
            alarms: 2,
          },
        ],
      },
    ]);
    const record = (result.output as { autoScaling: { previous: unknown[]; applied: { variantName: string }[] } })
      .autoScaling;
    expect(record.previous).toEqual([]);
    expect(record.applied.map((a) => a.variantName)).toEqual(['AllTraffic']);
    const succeeded = (await h.emulator.readEvents()).find(
      (e) =>
        e['detail-type'] === 'Deployment Succeeded' &&
        (e.detail as { endpointName?: string }).endpointName === ENDPOINT,
    );
    expect((succeeded?.detail as { autoScaling?: unknown } | undefined)?.autoScaling).toEqual(record);
  });

  it('refuses an UpdateEndpoint that changes a scaled variant’s instance type, as SageMaker does', async () => {
    const current = await h.sagemaker.send(
      new DescribeEndpointConfigCommand({
        EndpointConfigName: String((await describeEndpoint(h, ENDPOINT))?.EndpointConfigName),
      }),
    );
    await h.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${ENDPOINT}-bigger`,
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: current.ProductionVariants?.[0]?.ModelName,
            InstanceType: 'ml.m5.xlarge',
            InitialInstanceCount: 1,
          },
        ],
      }),
    );

    const failure = await failureOf(
      h.sagemaker.send(new UpdateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: `${ENDPOINT}-bigger` })),
    );

    expect(failure.name).toBe('ValidationException');
    expect(failure.message).toContain('[AllTraffic] are registered as scalable targets');
    expect((await describeEndpoint(h, ENDPOINT))?.EndpointStatus).toBe('InService');
  });

  it('deregisters a variant whose instance type changes before the update and registers the new settings after it', async () => {
    const result = await deploy(
      h,
      deployInput(ENDPOINT, h.models['linear-v2'], {
        variants: [{ instanceType: 'ml.m5.xlarge' }],
        autoScaling: {
          AllTraffic: {
            minCapacity: 2,
            maxCapacity: 4,
            targetTracking: {
              customMetric: {
                namespace: 'Churn/Serving',
                metricName: 'QueueDepth',
                dimensions: [{ name: 'EndpointName', value: ENDPOINT }],
                statistic: 'Average',
                unit: 'Count',
              },
              targetValue: 5,
              disableScaleIn: true,
            },
          },
        },
      }),
    );

    expect(result.status).toBe('SUCCEEDED');
    const record = (result.output as { autoScaling: { suspended: string[] } }).autoScaling;
    expect(record.suspended).toEqual(['AllTraffic']);
    expect(await registrationOf(ENDPOINT)).toEqual([
      {
        resourceId: variant(ENDPOINT),
        min: 2,
        max: 4,
        policies: [
          {
            name: 'sagemaker-workflows-target-tracking',
            type: 'TargetTrackingScaling',
            configuration: {
              TargetValue: 5,
              CustomizedMetricSpecification: {
                MetricName: 'QueueDepth',
                Namespace: 'Churn/Serving',
                Dimensions: [{ Name: 'EndpointName', Value: ENDPOINT }],
                Statistic: 'Average',
                Unit: 'Count',
              },
              DisableScaleIn: true,
            },
            alarms: 1,
          },
        ],
      },
    ]);
  });

  it('leaves autoscaling as it was when an update that changed it is rolled back', async () => {
    const before = await registrationOf(ENDPOINT);
    const configBefore = (await describeEndpoint(h, ENDPOINT))?.EndpointConfigName;

    const result = await deploy(
      h,
      deployInput(ENDPOINT, h.models['linear-v3-broken'], {
        variants: [{ instanceType: 'ml.m5.large' }],
        autoScaling: {
          AllTraffic: {
            minCapacity: 1,
            maxCapacity: 6,
            targetTracking: { metric: 'SageMakerVariantInvocationsPerInstance', targetValue: 10 },
          },
        },
      }),
    );

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HealthCheckFailedError');
    expect(outputOf(result, 'SuspendAutoScaling')?.autoScaling?.suspended).toEqual(['AllTraffic']);
    expect(outputOf(result, 'RestoreAutoScaling')?.autoScaling?.restored).toBe(true);
    expect((await describeEndpoint(h, ENDPOINT))?.EndpointConfigName).toBe(configBefore);
    expect(await registrationOf(ENDPOINT)).toEqual(before);
  });

  it('deregisters the variants of an endpoint that is deleted', async () => {
    await h.sagemaker.send(new DeleteEndpointCommand({ EndpointName: ENDPOINT }));

    expect(await registrationOf(ENDPOINT)).toEqual([]);
  });
});

describe('Application Auto Scaling on the local emulator', () => {
  const register = (resourceId: string, min: number, max: number, namespace = 'sagemaker') =>
    autoScaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: namespace as 'sagemaker',
        ResourceId: resourceId,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: min,
        MaxCapacity: max,
      }),
    );

  it('refuses a variant of an endpoint that does not exist', async () => {
    const failure = await failureOf(register(variant('e2e-no-such-endpoint'), 1, 2));

    expect(failure).toEqual({
      name: 'ValidationException',
      message: 'The endpoint e2e-no-such-endpoint does not exist.',
    });
  });

  it('refuses a minimum above the maximum, and a minimum of 0 on a real-time endpoint', async () => {
    await deploy(h, deployInput('e2e-scaling-api', h.models['linear-v1']));

    expect((await failureOf(register(variant('e2e-scaling-api'), 3, 2))).message).toBe(
      'Minimum capacity (3) cannot be greater than maximum capacity (2).',
    );
    expect((await failureOf(register(variant('e2e-scaling-api'), 0, 2))).message).toContain(
      'Minimum capacity 0 is supported only for asynchronous inference endpoints',
    );
  });

  it('refuses a policy for a variant that is not registered', async () => {
    const failure = await failureOf(
      autoScaling.send(
        new PutScalingPolicyCommand({
          PolicyName: 'p',
          ServiceNamespace: 'sagemaker',
          ResourceId: variant('e2e-scaling-api'),
          ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: { TargetValue: 1 },
        }),
      ),
    );

    expect(failure.name).toBe('ObjectNotFoundException');
    expect(failure.message).toBe(
      `No scalable target registered for service namespace: sagemaker, resource ID: ${variant('e2e-scaling-api')}, scalable dimension: sagemaker:variant:DesiredInstanceCount`,
    );
  });

  it('refuses other service namespaces as not emulated, and values outside the API shapes', async () => {
    const otherService = await failureOf(register('service/cluster/web', 1, 2, 'ecs'));
    const unknownNamespace = await failureOf(register('service/cluster/web', 1, 2, 'mainframe'));

    expect(otherService.message).toContain('Service namespace ecs is not emulated by the smwf local emulator');
    expect(unknownNamespace.name).toBe('ValidationException');
    expect(unknownNamespace.message).toContain("Value 'mainframe' at 'serviceNamespace' failed to satisfy constraint");
  });
});
