/**
 * Local triggers end to end: a stack synthesized with a deployment config file (a BatchTransform schedule and a
 * followed model package group) and two further rules, the emulator, the local runner and the trigger engine on
 * a driven clock. The schedule fires BatchTransform, whose transform job the emulator runs; the job's events
 * (SageMaker's on the default bus, the workflow's own on the project bus) match the rules, which start a state
 * machine with the transformed input. Approvals and rejections in the emulator's Model Registry go through the
 * group's real rule, the dispatcher Lambda (in-process) and the local Step Functions API to
 * DeployApprovedModelPackage, which deploys real model processes.
 */
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ListTransformJobsCommand, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Tags } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TAG_KEY } from '../../contracts/resource-tags.ts';
import { buildApp } from '../../infra/build-app.ts';
import { synthesizeWorkflows } from '../../local/runner/synthesize.ts';
import { DrivenClock } from '../../local/triggers/clock.ts';
import {
  type Harness,
  modelPackageEvent,
  predict,
  registerLinearPackages,
  servedModelPackage,
  startHarness,
} from './harness.ts';

/** Follows the group `churn` (endpoint `churn-live`) and schedules `scored` nightly in Paris. */
const CONFIG = fileURLToPath(new URL('../fixtures/triggers.smwf.config.json', import.meta.url));
const BUCKET = 'e2e-models';
const GROUP = 'churn';
const ENDPOINT = 'churn-live';
/** What the example models answer for `1,2`: v1 and v2 have different weights. */
const V1_PREDICTION = '{"predictions":[9]}';
const V2_PREDICTION = '{"predictions":[9.5]}';
let h: Harness;
let clock: DrivenClock;
let stepFunctions: SFNClient;
const packages: Record<'v1' | 'v2', string> = { v1: '', v2: '' };

const NOTIFIED = 'arn:aws:states:us-east-1:123456789012:stateMachine:Notified';
const DEPLOY_APPROVED = 'arn:aws:states:us-east-1:123456789012:stateMachine:DeployApprovedModelPackage';

async function poll<T>(
  what: string,
  read: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** DeployApprovedModelPackage's executions, as the local Step Functions API lists them (newest first). */
async function executionsOfDeployApproved() {
  const out = await stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: DEPLOY_APPROVED }));
  return (out.executions ?? []).map((e) => ({ name: e.name ?? '', executionArn: e.executionArn ?? '' }));
}

/**
 * Records a decision in the registry and waits, through the local Step Functions API, for the execution the
 * decision's event starts to end.
 */
async function decide(arn: string, status: 'Approved' | 'Rejected') {
  const before = new Set((await executionsOfDeployApproved()).map((e) => e.executionArn));
  await h.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status }));
  const started = await poll(`the ${status} decision to start DeployApprovedModelPackage`, async () => {
    const fresh = (await executionsOfDeployApproved()).filter((e) => !before.has(e.executionArn));
    return fresh.length > 0 ? fresh : undefined;
  });
  expect(started).toHaveLength(1);
  return poll(
    'DeployApprovedModelPackage to end',
    async () => {
      const described = await stepFunctions.send(
        new DescribeExecutionCommand({ executionArn: started[0]?.executionArn }),
      );
      return described.status === 'RUNNING' ? undefined : described;
    },
    120_000,
  );
}

function served() {
  return servedModelPackage(h, ENDPOINT).then(({ status, packageArn }) => ({ status, packageArn }));
}

function eventOf(arn: string, status: string) {
  return modelPackageEvent(h, arn, status);
}

beforeAll(async () => {
  const workflows = await synthesizeWorkflows({ account: '123456789012', region: 'us-east-1' }, (outdir) => {
    // The schedule and the followed model package group come from the deployment config file.
    const built = buildApp({
      skipBundling: true,
      outdir,
      nag: false,
      cloudFormationValidation: false,
      deploymentConfig: CONFIG,
    });
    const { stack } = built;
    const notified = new sfn.StateMachine(stack, 'Notified', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Noted')),
    });
    Tags.of(notified).add(WORKFLOW_TAG_KEY, 'Notified');
    // SageMaker's own event, on the default bus.
    new events.Rule(stack, 'JobCompleted', {
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Transform Job State Change'],
        detail: { TransformJobStatus: ['Completed'], TransformJobName: [{ prefix: 'scored-' }] },
      },
      targets: [
        new targets.SfnStateMachine(notified, {
          input: events.RuleTargetInput.fromObject({
            kind: 'sagemaker',
            job: events.EventField.fromPath('$.detail.TransformJobName'),
            rule: '<aws.events.rule-name>',
          }),
        }),
      ],
    });
    // The workflow's event, on the project bus.
    new events.Rule(stack, 'BatchCompleted', {
      eventBus: stack.eventBus,
      eventPattern: { source: ['sagemaker-workflows'], detailType: ['Batch Transform Completed'] },
      targets: [new targets.SfnStateMachine(notified, { input: events.RuleTargetInput.fromEventPath('$.detail') })],
    });
    return built;
  });
  clock = new DrivenClock('2026-12-01T00:00:00Z');
  h = await startHarness(8, { workflows, triggerClock: clock });
  // The engine points every SFN client at its local Step Functions API (AWS_ENDPOINT_URL_SFN), as handlers see it.
  stepFunctions = new SFNClient({});
  // 03:00 in Paris on 2026-12-01 is 02:00 UTC; the job reads that day's folder.
  await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'scored/in/2026/12/01/a.csv', Body: '1,2\n0,0\n' }));
}, 240_000);

afterAll(async () => {
  await h?.close();
});

describe('local triggers', () => {
  it('loads the stack’s schedule and rules', () => {
    expect(h.triggers?.loaded.schedules.map((s) => [s.name, s.expression, s.timeZone])).toEqual([
      ['SageMakerWorkflows-scored', 'cron(0 3 * * ? *)', 'Europe/Paris'],
    ]);
    // The stack's rules and the test's, the execution cleanup's and the waits' among them (on the default bus).
    expect(h.triggers?.loaded.rules.map((r) => r.eventBusName).sort()).toEqual([
      'default',
      'default',
      'default',
      'default',
      'default',
      'sagemaker-workflows',
    ]);
  });

  it('a schedule fires BatchTransform on the driven clock; the job’s events start the rules’ state machine', async () => {
    const engine = h.triggers as NonNullable<Harness['triggers']>;
    await clock.advanceTo('2026-12-01T02:30:00Z');
    expect(engine.deliveries).toEqual([
      expect.objectContaining({ trigger: 'schedule', outcome: 'delivered', scheduledTime: '2026-12-01T02:00:00.000Z' }),
    ]);
    const run = engine.executions.list().find((e) => e.workflow === 'BatchTransform');
    expect(JSON.parse(run?.input ?? '{}')).toMatchObject({
      scheduleName: 'scored',
      scheduledTime: '2026-12-01T02:00:00Z',
    });
    expect((await run?.result)?.status).toBe('SUCCEEDED');

    const jobs = await h.sagemaker.send(new ListTransformJobsCommand({ NameContains: 'scored-' }));
    expect(jobs.TransformJobSummaries?.map((j) => j.TransformJobStatus)).toEqual(['Completed']);
    const jobName = jobs.TransformJobSummaries?.[0]?.TransformJobName;

    const notified = await poll('both rules to start Notified', () => {
      const started = engine.executions.list(NOTIFIED);
      return started.length === 2 ? started : undefined;
    });
    const outputs = await Promise.all(notified.map(async (e) => (await e.result).output as Record<string, unknown>));
    expect(outputs).toContainEqual({ kind: 'sagemaker', job: jobName, rule: expect.stringContaining('JobCompleted') });
    expect(outputs).toContainEqual(expect.objectContaining({ scheduleName: 'scored' }));
  });

  it('registering a package (PendingManualApproval) starts nothing', async () => {
    const engine = h.triggers as NonNullable<Harness['triggers']>;
    Object.assign(packages, await registerLinearPackages(h, GROUP));
    await engine.idle();
    expect(await executionsOfDeployApproved()).toEqual([]);
    // No delivery to the dispatcher (the waits' callback, CompleteWait, hears SageMaker's own state changes).
    expect(engine.deliveries.filter((d) => d.targetArn.includes(':lambda:') && !d.name.includes('WaitEvents'))).toEqual(
      [],
    );
  });

  it('approving v1: the rule, the dispatcher and the local Step Functions API deploy it; the endpoint serves v1', async () => {
    const execution = await decide(packages.v1, 'Approved');

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await served()).toEqual({ status: 'InService', packageArn: packages.v1 });
    expect(await predict(h, ENDPOINT)).toBe(V1_PREDICTION);
  });

  it('the same approval event delivered again starts no second execution', async () => {
    const engine = h.triggers as NonNullable<Harness['triggers']>;
    const before = await executionsOfDeployApproved();
    const event = await eventOf(packages.v1, 'Approved');
    const deliveriesOf = () => engine.deliveries.filter((d) => d.trigger === 'rule' && d.eventId === event.id);
    expect(deliveriesOf()).toHaveLength(1);

    await engine.receive([event]);

    // The rule delivered it to the dispatcher again, which found the execution of that name and started nothing.
    expect(deliveriesOf().map((d) => d.outcome)).toEqual(['delivered', 'delivered']);
    expect(await executionsOfDeployApproved()).toEqual(before);
    expect(before.filter((e) => e.name.includes('-v1-approved-'))).toHaveLength(1);
    expect(await engine.deadLetters()).toEqual([]);
  });

  it('approving v2 deploys it', async () => {
    const execution = await decide(packages.v2, 'Approved');

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await served()).toEqual({ status: 'InService', packageArn: packages.v2 });
    expect(await predict(h, ENDPOINT)).toBe(V2_PREDICTION);
  });

  it('rejecting v2 redeploys v1, the latest package still Approved', async () => {
    const execution = await decide(packages.v2, 'Rejected');

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await served()).toEqual({ status: 'InService', packageArn: packages.v1 });
    expect(await predict(h, ENDPOINT)).toBe(V1_PREDICTION);
  });

  it('rejecting v1 with nothing else Approved keeps the endpoint serving v1, and an event says so', async () => {
    const execution = await decide(packages.v1, 'Rejected');

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await served()).toEqual({ status: 'InService', packageArn: packages.v1 });
    expect(await predict(h, ENDPOINT)).toBe(V1_PREDICTION);
    const noneLeft = (await h.emulator.readEvents()).filter(
      (e) => e.source === 'sagemaker-workflows' && e['detail-type'] === 'Model Package Group Has No Approved Package',
    );
    expect(noneLeft.map((e) => e.detail)).toEqual([
      expect.objectContaining({ endpointName: ENDPOINT, modelPackageGroupName: GROUP, modelPackageArn: packages.v1 }),
    ]);
    expect(await executionsOfDeployApproved()).toHaveLength(4);
  });

  it('a redelivered schedule (the same scheduled time again) makes no second transform job', async () => {
    const engine = h.triggers as NonNullable<Harness['triggers']>;
    const again = await engine.redeliverSchedule('SageMakerWorkflows-scored', '2026-12-01T02:00:00Z');
    expect(again.outcome).toBe('delivered');
    const second = engine.executions.list().find((e) => e.executionArn === again.executionArn);
    expect((await second?.result)?.status).toBe('SUCCEEDED');
    const jobs = await h.sagemaker.send(new ListTransformJobsCommand({ NameContains: 'scored-' }));
    expect(jobs.TransformJobSummaries).toHaveLength(1);
    expect(await engine.deadLetters()).toEqual([]);
  });
});
