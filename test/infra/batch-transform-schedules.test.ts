import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.ts';

let template: Template;

beforeAll(() => {
  // cdk-nag runs too: a finding on the schedules, their queue or roles fails the synthesis. CDK's own
  // CloudFormation validation only warns, in a report this test does not read (the stack and deployment config
  // tests check it), so it is left out.
  const { app, stack } = buildApp({
    skipBundling: true,
    cloudFormationValidation: false,
    outdir: mkdtempSync(join(tmpdir(), 'smwf-schedules-test-')),
    stackProps: {
      batchDataBucketNames: ['scoring-data'],
      batchTransformSchedules: [
        {
          name: 'nightly-churn',
          expression: 'cron(0 3 * * ? *)',
          timeZone: 'Europe/Paris',
          flexibleWindowMinutes: 15,
          retryAttempts: 5,
          maxEventAge: Duration.hours(2),
          input: {
            model: { name: 'churn-model' },
            input: { s3Prefix: 's3://scoring-data/in/{yyyy}/{MM}/{dd}/', splitType: 'Line' },
            output: { s3Prefix: 's3://scoring-data/out/{yyyy}/{MM}/{dd}/' },
          },
        },
        {
          name: 'hourly',
          expression: 'rate(1 hour)',
          input: {
            model: { name: 'churn-model' },
            input: { s3Prefix: 's3://scoring-data/hourly/' },
            output: { s3Prefix: 's3://scoring-data/hourly-out/' },
          },
        },
      ],
    },
  });
  const assembly = app.synth();
  template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>);
});

const stateMachineId = () =>
  Object.keys(
    template.findResources('AWS::StepFunctions::StateMachine', {
      Properties: { LoggingConfiguration: Match.anyValue() },
    }),
  ).find((id) => id.startsWith('BatchTransform')) as string;

describe('BatchTransform schedules', () => {
  it('creates one EventBridge Scheduler schedule per configured schedule, with its expression, time zone and window', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      State: 'ENABLED',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
  });

  it('starts BatchTransform with the schedule name and the scheduled time in the input', () => {
    const [schedule] = Object.values(
      template.findResources('AWS::Scheduler::Schedule', { Properties: { ScheduleExpression: 'cron(0 3 * * ? *)' } }),
    );
    const target = (schedule?.Properties as { Target: { Arn: unknown; Input: string } } | undefined)?.Target;
    expect(target?.Arn).toEqual({ Ref: stateMachineId() });
    expect(JSON.parse(target?.Input ?? '{}')).toMatchObject({
      scheduleName: 'nightly-churn',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      input: { s3Prefix: 's3://scoring-data/in/{yyyy}/{MM}/{dd}/' },
    });
  });

  it('retries failed deliveries and sends what still fails to an encrypted dead-letter queue', () => {
    const queueId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
      id.startsWith('ScheduleDeadLetters'),
    );
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 86400 } }),
    });
  });

  it('lets the schedules start only the BatchTransform state machine', () => {
    // A Distributed Map's policy lets its own state machine start its child executions (the load-test steps).
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => !id.includes('DistributedMapPolicy'))
      .map(([, p]) => p)
      .flatMap(
        (p) =>
          (p.Properties as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }).PolicyDocument
            .Statement,
      );
    const starts = policies.filter((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(starts.length).toBeGreaterThan(0);
    for (const statement of starts) expect(statement.Resource).toEqual({ Ref: stateMachineId() });
  });

  it('lets the batch tasks list only the configured batch data buckets', () => {
    const lists = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap(
        (p) =>
          (p.Properties as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }).PolicyDocument
            .Statement,
      )
      .filter(
        (s) => [s.Action].flat().includes('s3:ListBucket') && JSON.stringify(s.Resource).includes('scoring-data'),
      );
    expect(lists.length).toBeGreaterThanOrEqual(3);
    for (const statement of lists) expect(JSON.stringify(statement.Resource)).not.toContain('*');
  });
});
