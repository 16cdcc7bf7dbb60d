/**
 * Local triggers end to end: a stack synthesized with a BatchTransform schedule and two rules, the emulator,
 * the local runner and the trigger engine on a driven clock. The schedule fires BatchTransform, whose transform
 * job the emulator runs; the job's events (SageMaker's on the default bus, the workflow's own on the project bus)
 * match the rules, which start a state machine with the transformed input.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  ListTransformJobsCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { Tags } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.ts';
import { WORKFLOW_TAG_KEY } from '../../infra/resource-tags.ts';
import { synthesizeWorkflows } from '../../local/runner/synthesize.ts';
import { DrivenClock } from '../../local/triggers/clock.ts';
import { describeEndpoint, type Harness, IMAGE, predict, startHarness } from './harness.ts';

const BUCKET = 'e2e-models';
let h: Harness;
let clock: DrivenClock;

const NOTIFIED = 'arn:aws:states:us-east-1:123456789012:stateMachine:Notified';

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

beforeAll(async () => {
  const workflows = await synthesizeWorkflows({ account: '123456789012', region: 'us-east-1' }, (outdir) => {
    const built = buildApp({
      skipBundling: true,
      outdir,
      nag: false,
      stackProps: {
        batchDataBucketNames: [BUCKET],
        batchTransformSchedules: [
          {
            name: 'scored',
            expression: 'cron(0 3 * * ? *)',
            timeZone: 'Europe/Paris',
            input: {
              model: { image: IMAGE, modelDataUrl: `s3://${BUCKET}/linear-v1/model.tar.gz` },
              input: {
                s3Prefix: `s3://${BUCKET}/scored/in/{yyyy}/{MM}/{dd}/`,
                contentType: 'text/csv',
                splitType: 'Line',
              },
              output: {
                s3Prefix: `s3://${BUCKET}/scored/out/{yyyy}/{MM}/{dd}`,
                assembleWith: 'Line',
                accept: 'text/csv',
              },
              wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 10 },
            } as never,
          },
        ],
      },
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
    // A package approved in the registry deploys it: the event's container becomes DeployEndpoint's model.
    new events.Rule(stack, 'ChurnApproved', {
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Approved'] },
      },
      targets: [
        new targets.SfnStateMachine(stack.stateMachines.DeployEndpoint as sfn.StateMachine, {
          input: events.RuleTargetInput.fromObject({
            endpointName: 'churn-live',
            model: {
              image: events.EventField.fromPath('$.detail.InferenceSpecification.Containers[0].Image'),
              modelDataUrl: events.EventField.fromPath('$.detail.InferenceSpecification.Containers[0].ModelDataUrl'),
            },
            variants: [{ instanceType: 'ml.m5.large' }],
            healthCheck: {
              samples: [
                {
                  contentType: 'text/csv',
                  accept: 'application/json',
                  body: '1,2',
                  expectedOutputContains: 'predictions',
                },
              ],
              invocations: 2,
            },
            wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
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
    expect(h.triggers?.loaded.rules.map((r) => r.eventBusName).sort()).toEqual([
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

  it('approving a package in the emulator’s registry deploys it; registering it starts nothing', async () => {
    const engine = h.triggers as NonNullable<Harness['triggers']>;
    const deployEndpoint = 'arn:aws:states:us-east-1:123456789012:stateMachine:DeployEndpoint';
    await h.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn' }));
    const created = await h.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'churn',
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: IMAGE, ModelDataUrl: h.models['linear-v1'] }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['application/json'],
        },
      }),
    );
    await engine.idle();
    expect(engine.executions.list(deployEndpoint)).toEqual([]);

    await h.sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn: created.ModelPackageArn, ModelApprovalStatus: 'Approved' }),
    );
    const [deployment] = await poll('the approval to start DeployEndpoint', () => {
      const started = engine.executions.list(deployEndpoint);
      return started.length > 0 ? started : undefined;
    });
    const result = await deployment?.result;
    expect(result?.status, result?.cause).toBe('SUCCEEDED');
    expect((await describeEndpoint(h, 'churn-live'))?.EndpointStatus).toBe('InService');
    expect(await predict(h, 'churn-live')).toContain('predictions');
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
