/**
 * DeployApprovedModelPackage end to end: packages registered in the emulator's Model Registry, approved and
 * rejected there, and each decision's `SageMaker Model Package State Change` event (as the emulator logged it)
 * run through the synthesized state machine by the local runner, deploying real model processes. One group and
 * one endpoint across the file: each decision acts on what the previous ones left, as in a registry's life.
 */
import { UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorEvent } from '../../local/emulator/events.ts';
import {
  type Harness,
  modelPackageEvent,
  predict,
  registerLinearPackages,
  servedModelPackage,
  startHarness,
} from './harness.ts';

const GROUP = 'churn-registry';
const ENDPOINT = 'churn-registry-endpoint';

/** The group's settings, as the deployment config file would give them. */
const DEPLOYMENT = {
  endpointName: ENDPOINT,
  variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.large', initialInstanceCount: 1 }],
  healthCheck: {
    samples: [
      { contentType: 'text/csv', accept: 'application/json', body: '1,2', expectedOutputContains: 'predictions' },
    ],
    invocations: 4,
    concurrency: 2,
  },
  retainVersions: 3,
  wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
};

let h: Harness;
const packages: Record<'v1' | 'v2', string> = { v1: '', v2: '' };

beforeAll(async () => {
  h = await startHarness();
  Object.assign(packages, await registerLinearPackages(h, GROUP));
});

afterAll(async () => {
  await h?.close();
});

function eventOf(arn: string, status: string): Promise<EmulatorEvent> {
  return modelPackageEvent(h, arn, status);
}

/** Records a decision in the registry and runs DeployApprovedModelPackage with the event it emitted. */
async function decide(arn: string, status: 'Approved' | 'Rejected') {
  await h.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status }));
  return run(await eventOf(arn, status));
}

async function run(event: EmulatorEvent) {
  return h.runner.start('DeployApprovedModelPackage', { event, deployment: DEPLOYMENT }).result;
}

function served() {
  return servedModelPackage(h, ENDPOINT);
}

/** The project's events (source sagemaker-workflows) of `detailType`, newest last. */
async function projectEvents(detailType: string) {
  return (await h.emulator.readEvents()).filter(
    (e) => e.source === 'sagemaker-workflows' && e['detail-type'] === detailType,
  );
}

describe('DeployApprovedModelPackage', () => {
  it('deploys an approved package: the endpoint serves it, and the success event names the package', async () => {
    const result = await decide(packages.v1, 'Approved');

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(await served()).toMatchObject({ status: 'InService', packageArn: packages.v1 });
    expect(await predict(h, ENDPOINT)).toContain('9');
    expect(await predict(h, ENDPOINT)).not.toContain('9.5');
    const [succeeded] = (await projectEvents('Deployment Succeeded')).slice(-1);
    expect(succeeded?.detail).toMatchObject({ endpointName: ENDPOINT, modelVersion: packages.v1 });
  });

  it('deploys a newer approved version over it', async () => {
    const result = await decide(packages.v2, 'Approved');

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(await served()).toMatchObject({ status: 'InService', packageArn: packages.v2 });
    expect(await predict(h, ENDPOINT)).toContain('9.5');
  });

  it('does not downgrade when an older approval arrives after the newer deployment', async () => {
    const before = await served();

    const result = await run(await eventOf(packages.v1, 'Approved'));

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(await served()).toEqual(before);
    const [notDeployed] = (await projectEvents('Model Package Not Deployed')).slice(-1);
    expect(notDeployed?.detail).toMatchObject({
      modelPackageArn: packages.v1,
      outcome: 'older-than-served',
      servedModelPackageArn: packages.v2,
    });
  });

  it('redeploys the latest Approved package when the served one is rejected', async () => {
    const result = await decide(packages.v2, 'Rejected');

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(await served()).toMatchObject({ status: 'InService', packageArn: packages.v1 });
    expect(await predict(h, ENDPOINT)).not.toContain('9.5');
  });

  it('changes nothing when a package the endpoint does not serve is rejected again', async () => {
    const before = await served();

    const result = await run(await eventOf(packages.v2, 'Rejected'));

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(await served()).toEqual(before);
  });

  it('keeps serving when the served package is rejected and none is left Approved, and says so', async () => {
    const before = await served();

    const result = await decide(packages.v1, 'Rejected');

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(await served()).toEqual(before);
    expect(await predict(h, ENDPOINT)).toContain('predictions');
    const [noneLeft] = (await projectEvents('Model Package Group Has No Approved Package')).slice(-1);
    expect(noneLeft?.detail).toMatchObject({
      endpointName: ENDPOINT,
      modelPackageGroupName: GROUP,
      modelPackageArn: packages.v1,
      servedModelPackageArn: packages.v1,
      outcome: 'no-approved-package',
    });
  });
});
