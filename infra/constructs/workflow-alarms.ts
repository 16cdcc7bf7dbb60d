import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Props of WorkflowAlarms. */
interface WorkflowAlarmsProps {
  /** The state machines to watch, by workflow name (the name goes into each alarm's name). */
  readonly stateMachines: Readonly<Record<string, sfn.IStateMachine>>;
  /** The period each alarm sums its metric over. @default 5 minutes */
  readonly period?: Duration;
}

/**
 * The Step Functions metrics every workflow is alarmed on (namespace AWS/States, dimension StateMachineArn), and how
 * each reads. One execution in a period is enough: a failed execution is a deployment that did not happen (or was
 * rolled back), a timed-out one a deployment left to its deadline, a throttled StartExecution a trigger that
 * may not have started anything.
 */
export const WORKFLOW_ALARM_METRICS = {
  ExecutionsFailed: (stateMachine: sfn.IStateMachine, props: cloudwatch.MetricOptions) =>
    stateMachine.metricFailed(props),
  ExecutionsTimedOut: (stateMachine: sfn.IStateMachine, props: cloudwatch.MetricOptions) =>
    stateMachine.metricTimedOut(props),
  ExecutionThrottled: (stateMachine: sfn.IStateMachine, props: cloudwatch.MetricOptions) =>
    stateMachine.metricThrottled(props),
} as const;

/**
 * CloudWatch alarms on every state machine (ExecutionsFailed, ExecutionsTimedOut, ExecutionThrottled: Sum >= 1 in
 * one period, no data = OK), all sent to one SNS topic encrypted with a customer-managed KMS key. CloudWatch can
 * publish to an encrypted topic only if the key policy lets cloudwatch.amazonaws.com use the key (kms:Decrypt,
 * kms:GenerateDataKey*; SNS developer guide, "Enable compatibility between event sources from AWS services and
 * encrypted topics"); the key and the topic policy allow it for this stack's alarms only (aws:SourceAccount and
 * aws:SourceArn on the alarm name prefix).
 */
export class WorkflowAlarms extends Construct {
  /** Where every alarm goes: subscribe to it (email, chat, a queue) to hear about failed workflows. */
  readonly topic: sns.Topic;
  /** Encrypts the topic. */
  readonly key: kms.Key;
  /** The alarms on dead-letter queues, by the name given to watchDeadLetters. */
  readonly deadLetterAlarms: Record<string, cloudwatch.Alarm> = {};
  private readonly action: cloudwatchActions.SnsAction;
  private readonly alarmNamePrefix: string;
  private readonly period: Duration;
  /** The alarms, by workflow name then metric name. */
  readonly alarms: Readonly<Record<string, Readonly<Record<keyof typeof WORKFLOW_ALARM_METRICS, cloudwatch.Alarm>>>>;

  constructor(scope: Construct, id: string, props: WorkflowAlarmsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmNamePrefix = `${stack.stackName}-`;
    this.alarmNamePrefix = alarmNamePrefix;
    const ownAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${alarmNamePrefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

    this.key = new kms.Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts the sagemaker-workflows alarm topic',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: ownAlarms,
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'sagemaker-workflows alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: ownAlarms,
      }),
    );

    this.action = new cloudwatchActions.SnsAction(this.topic);
    const period = props.period ?? Duration.minutes(5);
    this.period = period;
    const alarms: Record<string, Record<string, cloudwatch.Alarm>> = {};
    for (const [workflow, stateMachine] of Object.entries(props.stateMachines)) {
      const byMetric: Record<string, cloudwatch.Alarm> = {};
      for (const [metricName, metricOf] of Object.entries(WORKFLOW_ALARM_METRICS)) {
        byMetric[metricName] = this.alarmOnAny(
          `${workflow}-${metricName}`,
          `${workflow}: at least one execution counted in ${metricName} within ${period.toHumanString()}`,
          metricOf(stateMachine, { statistic: cloudwatch.Stats.SUM, period }),
        );
      }
      alarms[workflow] = byMetric;
    }
    this.alarms = alarms as WorkflowAlarms['alarms'];

    new CfnOutput(stack, 'AlarmTopicArn', {
      value: this.topic.topicArn,
      description: 'Every workflow alarm (failed, timed-out and throttled executions) publishes here',
    });
  }

  /**
   * Alarms when a dead-letter queue holds a message (ApproximateNumberOfMessagesVisible, Maximum >= 1 in one
   * period): a schedule or rule delivery that never started its workflow, even after its retries. Sent to the same
   * topic, named `<stack>-DeadLetters-<name>`.
   */
  watchDeadLetters(name: string, queue: sqs.IQueue): cloudwatch.Alarm {
    if (name in this.deadLetterAlarms) throw new Error(`watchDeadLetters: ${name} is watched twice`);
    const alarm = this.alarmOnAny(
      `DeadLetters-${name}`,
      `${name}: a delivery reached the dead-letter queue (its workflow was not started)`,
      queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: this.period }),
    );
    this.deadLetterAlarms[name] = alarm;
    return alarm;
  }

  /**
   * An alarm named `<stack>-<id>` that fires when `metric` reaches 1 in one period (no data = OK), and tells the
   * topic both when it fires and when it clears.
   */
  private alarmOnAny(id: string, description: string, metric: cloudwatch.IMetric): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.alarmNamePrefix}${id}`,
      alarmDescription: description,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }
}
