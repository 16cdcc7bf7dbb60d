import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TAG_KEY } from '../../contracts/resource-tags.ts';
import { WORKFLOW_ALARM_METRICS } from '../../infra/constructs/workflow-alarms.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';
import { synthesize } from './synthesized.ts';

let template: Template;

beforeAll(() => {
  ({ template } = synthesize());
});

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: { Service?: string };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};

const resourcesOf = (type: string) => template.findResources(type) as Record<string, Resource>;
const only = <T>(record: Record<string, T>): [string, T] => {
  const entries = Object.entries(record);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, T];
};
const actions = (s: Statement) => [s.Action].flat();

/** The logical id of each state machine, by the workflow named in its tag. */
function stateMachinesByWorkflow(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(resourcesOf('AWS::StepFunctions::StateMachine')).map(([id, machine]) => {
      const tags = (machine.Properties.Tags ?? []) as { Key: string; Value: string }[];
      return [tags.find((t) => t.Key === WORKFLOW_TAG_KEY)?.Value as string, id];
    }),
  );
}

describe('workflow alarms', () => {
  it('alarms on failed, timed-out and throttled executions of every state machine, sent to the alarm topic', () => {
    const [topicId] = only(resourcesOf('AWS::SNS::Topic'));
    const machines = stateMachinesByWorkflow();
    const alarms = Object.values(resourcesOf('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.Namespace === 'AWS/States',
    );

    expect(Object.keys(machines).sort()).toEqual(WORKFLOWS.map((w) => w.name).sort());
    expect(alarms).toHaveLength(WORKFLOWS.length * Object.keys(WORKFLOW_ALARM_METRICS).length);
    for (const [workflow, machineId] of Object.entries(machines)) {
      for (const metricName of Object.keys(WORKFLOW_ALARM_METRICS)) {
        const matching = alarms.filter(
          (alarm) =>
            alarm.Properties.MetricName === metricName &&
            JSON.stringify(alarm.Properties.Dimensions) ===
              JSON.stringify([{ Name: 'StateMachineArn', Value: { Ref: machineId } }]),
        );
        expect(matching, `${workflow} ${metricName}`).toHaveLength(1);
        expect(matching[0]?.Properties).toMatchObject({
          AlarmName: `SageMakerWorkflows-${workflow}-${metricName}`,
          Namespace: 'AWS/States',
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topicId }],
          OKActions: [{ Ref: topicId }],
        });
      }
    }
  });

  it('encrypts the topic with a rotated customer-managed key that CloudWatch may use for this stack alarms only', () => {
    const [topicId, topic] = only(resourcesOf('AWS::SNS::Topic'));
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const key = resourcesOf('AWS::KMS::Key')[keyId] as Resource;
    const keyStatements = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
    const cloudWatchKeyUse = keyStatements.filter((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    const [, topicPolicy] = only(resourcesOf('AWS::SNS::TopicPolicy'));
    const topicStatements = (topicPolicy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const cloudWatchPublish = topicStatements.filter((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');

    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(cloudWatchKeyUse).toHaveLength(1);
    expect(actions(cloudWatchKeyUse[0] as Statement).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(cloudWatchPublish).toHaveLength(1);
    expect(actions(cloudWatchPublish[0] as Statement)).toEqual(['sns:Publish']);
    for (const statement of [...cloudWatchKeyUse, ...cloudWatchPublish]) {
      expect(statement.Effect).toBe('Allow');
      expect(Object.keys(statement.Condition?.StringEquals ?? {})).toEqual(['aws:SourceAccount']);
      expect(JSON.stringify(statement.Condition?.ArnLike?.['aws:SourceArn'])).toContain(':alarm:SageMakerWorkflows-*');
    }
    // enforceSSL: publishing without TLS is denied.
    expect(
      topicStatements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('SecureTransport')),
    ).toBe(true);
    expect(template.findOutputs('AlarmTopicArn').AlarmTopicArn?.Value).toEqual({ Ref: topicId });
  });

  it('alarms when a schedule delivery reaches the dead-letter queue, on the same topic', () => {
    const [topicId] = only(resourcesOf('AWS::SNS::Topic'));
    const queueIds = Object.keys(resourcesOf('AWS::SQS::Queue')).filter((id) => id.startsWith('ScheduleDeadLetters'));
    expect(queueIds).toHaveLength(1);
    const queueId = queueIds[0];
    const deadLetterAlarms = Object.values(resourcesOf('AWS::CloudWatch::Alarm')).filter(
      (alarm) =>
        alarm.Properties.Namespace === 'AWS/SQS' &&
        alarm.Properties.AlarmName !== 'SageMakerWorkflows-DeadLetters-ExecutionCleanup' &&
        alarm.Properties.AlarmName !== 'SageMakerWorkflows-DeadLetters-WaitEvents',
    );

    expect(deadLetterAlarms).toHaveLength(1);
    expect(deadLetterAlarms[0]?.Properties).toMatchObject({
      AlarmName: 'SageMakerWorkflows-DeadLetters-Schedules',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
  });
});
