/**
 * An aborted DeployEndpoint on the emulator, end to end: the runner emits the execution's status change, the local
 * trigger engine routes it by the synthesized stack's rule to the execution cleanup, whose SageMaker calls go over
 * HTTP to the emulator (checked against its synthesized role like every step's). A first deployment aborted once its
 * autoscaling is registered leaves no endpoint, config, model or scalable target behind; what stays in S3 is listed.
 * The abort at every state of DeployEndpoint, on the in-process core, is test/workflows/deploy-endpoint-abort.test.ts.
 */
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointLeaseKey } from '../../contracts/endpoint-lease.ts';
import { artifactBucketName } from '../../local/runner/local-stack.ts';
import type { LocalExecution } from '../../local/runner/runner.ts';
import { DrivenClock } from '../../local/triggers/clock.ts';
import { deployInput, describeEndpoint, type Harness, resourcesOf, startHarness } from './harness.ts';

const ENDPOINT = 'e2e-aborted';
const UPDATED = 'e2e-update-aborted';
let h: Harness;

beforeAll(async () => {
  h = await startHarness(8, { triggerClock: new DrivenClock('2026-12-01T00:00:00Z') });
}, 240_000);

afterAll(async () => {
  await h?.close();
});

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('DeployEndpoint aborted on the emulator, then the execution cleanup', () => {
  it('leaves no endpoint, config, model or scalable target of a first deployment aborted after ApplyAutoScaling', async () => {
    const triggers = h.triggers;
    if (triggers === undefined) throw new Error('the harness runs no trigger engine');
    const cleanupArn = [...h.runner.workflows.functions.values()].find((f) => f.task === 'ExecutionCleanup')?.arn;
    let execution: LocalExecution | undefined;
    let servedBeforeAbort: Awaited<ReturnType<typeof resourcesOf>> | undefined;
    execution = h.runner.start(
      'DeployEndpoint',
      deployInput(ENDPOINT, h.models['linear-v1'], {
        autoScaling: {
          AllTraffic: {
            minCapacity: 1,
            maxCapacity: 2,
            targetTracking: { metric: 'SageMakerVariantInvocationsPerInstance', targetValue: 70 },
          },
        },
      }),
      {
        name: 'aborted-after-autoscaling',
        interceptTask: async (task, invoke) => {
          const result = await invoke();
          if (task.stateName === 'ApplyAutoScaling') {
            servedBeforeAbort = await resourcesOf(h, ENDPOINT);
            execution?.abort();
          }
          return result;
        },
      },
    );
    const result = await execution.result;
    await until(() => triggers.deliveries.some((d) => d.targetArn === cleanupArn), 'the cleanup to be invoked');
    await triggers.idle();
    await until(async () => (await resourcesOf(h, ENDPOINT)).endpoints.length === 0, 'the endpoint to be deleted');

    const autoScaling = new ApplicationAutoScalingClient({});
    const targets = await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    const artifacts = await h.s3.send(new ListObjectsV2Command({ Bucket: artifactBucketName(h.runner.workflows) }));

    expect(result.status).toBe('ABORTED');
    expect(servedBeforeAbort?.endpoints).toEqual([ENDPOINT]);
    expect(triggers.deliveries.filter((d) => d.targetArn === cleanupArn).map((d) => d.outcome)).toEqual(['delivered']);
    expect(await triggers.deadLetters()).toEqual([]);
    expect(await resourcesOf(h, ENDPOINT)).toEqual({ models: [], configs: [], endpoints: [] });
    expect((targets.ScalableTargets ?? []).filter((t) => t.ResourceId?.includes(ENDPOINT))).toEqual([]);
    // The endpoint's lease stays, held by the aborted execution: the next deployment takes it over (its holder ended).
    expect((artifacts.Contents ?? []).map((o) => o.Key)).toEqual([endpointLeaseKey(ENDPOINT)]);
  });

  it('keeps the endpoint serving before an update aborted after its config was created, and removes that config and model', async () => {
    const triggers = h.triggers;
    if (triggers === undefined) throw new Error('the harness runs no trigger engine');
    const first = await h.runner.start('DeployEndpoint', deployInput(UPDATED, h.models['linear-v1'])).result;
    const serving = await resourcesOf(h, UPDATED);
    const cleanupArn = [...h.runner.workflows.functions.values()].find((f) => f.task === 'ExecutionCleanup')?.arn;
    const cleanups = () => triggers.deliveries.filter((d) => d.targetArn === cleanupArn).length;
    const cleanupsBefore = cleanups();
    let execution: LocalExecution | undefined;
    execution = h.runner.start('DeployEndpoint', deployInput(UPDATED, h.models['linear-v2']), {
      name: 'update-aborted-after-config',
      interceptTask: async (task, invoke) => {
        const result = await invoke();
        if (task.stateName === 'CreateEndpointConfig') execution?.abort();
        return result;
      },
    });
    const result = await execution.result;
    await until(() => cleanups() > cleanupsBefore, 'the cleanup to be invoked');
    await triggers.idle();

    expect(first.status).toBe('SUCCEEDED');
    expect(result.status).toBe('ABORTED');
    expect(await triggers.deadLetters()).toEqual([]);
    expect(await resourcesOf(h, UPDATED)).toEqual(serving);
    expect(await describeEndpoint(h, UPDATED)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: serving.configs[0],
    });
  });
});
