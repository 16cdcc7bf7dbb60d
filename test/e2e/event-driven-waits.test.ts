/**
 * Event-driven waits end to end: DeployEndpoint's synthesized state machine in the local runner, real model processes
 * in the emulator, and the emulator's SageMaker state change events routed by the trigger engine through the stack's
 * rules to CompleteWait, which completes the waiting task. The heartbeat (the fallback) is long here, so a wait that
 * ends without WaitForEndpoint ended on its event; with events dropped, it is short, and the fallback ends it.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorEvent } from '../../local/emulator/events.ts';
import type { ExecutionResult } from '../../local/runner/runner.ts';
import { RealClock } from '../../local/triggers/clock.ts';
import { deployInput, describeEndpoint, type Harness, IMAGE, startHarness } from './harness.ts';

let h: Harness;
let completeWaitArn: string;

const ENDPOINT_EVENT = 'SageMaker Endpoint State Change';

beforeAll(async () => {
  // A minute of heartbeat: no wait here lasts that long, so only an event can end one before it.
  h = await startHarness(8, { triggerClock: new RealClock(), heartbeatTimeMs: 60_000 });
  completeWaitArn = [...h.runner.workflows.functions.values()].find((f) => f.task === 'CompleteWait')?.arn ?? '';
}, 60_000);

afterAll(async () => {
  await h?.close();
});

beforeEach(() => {
  h.emulator.setFaults({});
});

function statesEntered(result: ExecutionResult): string[] {
  return result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state.name] : []));
}

/** The settled (IN_SERVICE) state change events of an endpoint the emulator emitted, oldest first. */
async function inServiceEvents(endpointName: string): Promise<EmulatorEvent[]> {
  return (await h.emulator.readEvents()).filter(
    (e) =>
      e['detail-type'] === ENDPOINT_EVENT &&
      (e.detail as { EndpointName?: string; EndpointStatus?: string }).EndpointName === endpointName &&
      (e.detail as { EndpointStatus?: string }).EndpointStatus === 'IN_SERVICE',
  );
}

/** Hands an event to CompleteWait as the rule would (an asynchronous invocation's payload), and says what it did. */
async function callback(event: EmulatorEvent): Promise<string> {
  const { eventBusName: _bus, ...delivered } = event;
  return ((await h.runner.invokeFunction(completeWaitArn, delivered)) as { outcome: string }).outcome;
}

describe('event-driven endpoint waits', () => {
  it('creates, then updates an endpoint, each wait completed by its state change event', async () => {
    const created = await h.runner.start('DeployEndpoint', deployInput('events-a', h.models['linear-v1'])).result;
    const updated = await h.runner.start('DeployEndpoint', deployInput('events-a', h.models['linear-v2'])).result;

    expect(created.status, `${created.error}: ${created.cause}`).toBe('SUCCEEDED');
    expect(updated.status, `${updated.error}: ${updated.cause}`).toBe('SUCCEEDED');
    expect((updated.output as { endpoint: { action: string } }).endpoint.action).toBe('update');
    // Neither wait fell back: each ended on the callback of its IN_SERVICE event.
    expect(statesEntered(created)).not.toContain('WaitForEndpoint');
    expect(statesEntered(updated)).not.toContain('WaitForEndpoint');
    expect((await inServiceEvents('events-a')).length).toBe(2);
    const delivered = h.triggers?.deliveries.filter((d) => d.targetArn === completeWaitArn) ?? [];
    expect(delivered.length).toBeGreaterThanOrEqual(2);
    expect(delivered.every((d) => d.outcome === 'delivered')).toBe(true);
    expect((await describeEndpoint(h, 'events-a'))?.EndpointStatus).toBe('InService');
  }, 120_000);

  it('completes a redeploy of the serving release at once, with no change and no event to wait for', async () => {
    const input = deployInput('events-a', h.models['linear-v2']);

    const result = await h.runner.start('DeployEndpoint', input).result;

    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect((result.output as { endpoint: { action: string } }).endpoint.action).toBe('none');
    expect(statesEntered(result)).not.toContain('WaitForEndpoint');
    expect((result.output as { endpointStatus: unknown }).endpointStatus).toMatchObject({
      status: 'InService',
      settled: true,
    });
  }, 120_000);

  it('rolls an update that fails its health check back, the rollback wait completed by its event', async () => {
    const first = await h.runner.start('DeployEndpoint', deployInput('events-rollback', h.models['linear-v2'])).result;
    const before = (await describeEndpoint(h, 'events-rollback'))?.EndpointConfigName;

    const result = await h.runner.start('DeployEndpoint', deployInput('events-rollback', h.models['linear-v3-broken']))
      .result;

    expect(first.status).toBe('SUCCEEDED');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HealthCheckFailedError');
    const states = statesEntered(result);
    expect(states).toContain('StartRollback');
    expect(states).not.toContain('WaitForRollback');
    expect(states).not.toContain('WaitForEndpoint');
    const after = await describeEndpoint(h, 'events-rollback');
    expect(after?.EndpointStatus).toBe('InService');
    expect(after?.EndpointConfigName).toBe(before);
  }, 120_000);

  it('completes from the fallback poll when every state change event is lost', async () => {
    h.emulator.setFaults({ events: { drop: 1, detailTypes: [ENDPOINT_EVENT] } });

    const result = await h.runner.start('DeployEndpoint', deployInput('events-lost', h.models['linear-v1']), {
      heartbeatTimeMs: 200,
    }).result;

    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(statesEntered(result)).toContain('WaitForEndpoint');
    expect((await describeEndpoint(h, 'events-lost'))?.EndpointStatus).toBe('InService');
  }, 120_000);

  it('completes once, correctly, when events come twice, out of order, and for a foreign endpoint', async () => {
    h.emulator.setFaults({ events: { duplicate: 1, reorder: true, detailTypes: [ENDPOINT_EVENT] } });
    const foreign: EmulatorEvent = {
      version: '0',
      id: 'foreign-1',
      'detail-type': ENDPOINT_EVENT,
      source: 'aws.sagemaker',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { EndpointName: 'someone-elses', EndpointStatus: 'IN_SERVICE' },
      eventBusName: 'default',
    };

    const deliveredBefore = h.triggers?.deliveries.length ?? 0;
    const execution = h.runner.start('DeployEndpoint', deployInput('events-noisy', h.models['linear-v1']));
    await h.triggers?.receive([foreign]);
    const result = await execution.result;
    await h.triggers?.idle();
    const eventIds = (h.triggers?.deliveries.slice(deliveredBefore) ?? [])
      .filter((d) => d.targetArn === completeWaitArn && d.eventId !== 'foreign-1')
      .map((d) => d.eventId);

    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(statesEntered(result).filter((s) => s === 'VerifyDeployment')).toHaveLength(1);
    expect(statesEntered(result)).not.toContain('WaitForEndpoint');
    // The settled event reached CompleteWait twice; the second found the wait completed.
    expect(eventIds.length).toBeGreaterThanOrEqual(2);
    expect(new Set(eventIds).size).toBeLessThan(eventIds.length);
    expect(await callback(foreign)).toBe('no-wait');
    // The IN_SERVICE event once more, after the wait completed: nothing is left for it to complete.
    const [settled] = await inServiceEvents('events-noisy');
    expect(settled).toBeDefined();
    expect(await callback(settled as EmulatorEvent)).toBe('no-wait');
  }, 120_000);

  it("does not complete an update's wait with the event of the endpoint's earlier create", async () => {
    const created = await h.runner.start('DeployEndpoint', deployInput('events-older', h.models['linear-v1'])).result;
    expect(created.status).toBe('SUCCEEDED');
    const [createdEvent] = await inServiceEvents('events-older');
    const replayed: string[] = [];

    const updated = await h.runner.start('DeployEndpoint', deployInput('events-older', h.models['linear-v2']), {
      interceptTask: async (task, invoke) => {
        const result = await invoke();
        // The update has started: its token is stored; the endpoint is Updating. The old event comes late.
        if (task.stateName === 'StartDeployment') replayed.push(await callback(createdEvent as EmulatorEvent));
        return result;
      },
    }).result;

    expect(replayed).toEqual(['not-settled']);
    expect(updated.status, `${updated.error}: ${updated.cause}`).toBe('SUCCEEDED');
    const output = updated.output as { endpointConfig: { name: string }; endpointStatus: { configName: string } };
    expect(output.endpointStatus.configName).toBe(output.endpointConfig.name);
    expect((await describeEndpoint(h, 'events-older'))?.EndpointConfigName).toBe(output.endpointConfig.name);
  }, 120_000);
});

describe('event-driven transform job wait', () => {
  it('completes a BatchTransform run on its transform job state change event', async () => {
    const s3 = new S3Client({ forcePathStyle: true });
    await s3.send(
      new PutObjectCommand({ Bucket: 'e2e-models', Key: 'evented/in/2026/11/24/a.csv', Body: '1,2\n0,0\n' }),
    );
    const input = {
      scheduleName: 'evented',
      scheduledTime: '2026-11-24T03:00:00Z',
      model: { image: IMAGE, modelDataUrl: h.models['linear-v1'] },
      input: { s3Prefix: 's3://e2e-models/evented/in/{yyyy}/{MM}/{dd}/', contentType: 'text/csv', splitType: 'Line' },
      output: { s3Prefix: 's3://e2e-models/evented/out/{yyyy}/{MM}/{dd}', assembleWith: 'Line', accept: 'text/csv' },
      wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 10 },
    };

    const result = await h.runner.start('BatchTransform', input).result;

    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    const states = statesEntered(result);
    expect(states).toContain('StartTransformJob');
    expect(states).not.toContain('WaitForJobEvent');
    expect(states).toContain('VerifyOutputs');
    expect((result.output as { jobStatus: unknown }).jobStatus).toEqual({ status: 'Completed', settled: true });
  }, 120_000);
});
