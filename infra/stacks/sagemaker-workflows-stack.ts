import {
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { SAGEMAKER_NAME_PATTERN } from '../../contracts/contract-parts.ts';
import type { BatchTransformInputDocument } from '../../contracts/parts/batch-transform.ts';
import {
  EXECUTION_STATUS_CHANGE,
  FAILED_THROWAWAYS_ONLY,
  STOPPED_WITHOUT_ROLLBACK,
} from '../../contracts/parts/execution-status-change.ts';
import type { ModelPackageDeploymentDocument } from '../../contracts/parts/model-package-deployment.ts';
import {
  MODEL_PACKAGE_STATE_CHANGE,
  TRIGGERING_APPROVAL_STATUSES,
} from '../../contracts/parts/model-package-events.ts';
import { WAIT_EVENTS, WAIT_RECORD_KEY_ATTRIBUTE, WAIT_RECORD_TTL_ATTRIBUTE } from '../../contracts/task-tokens.ts';
import { EndpointLeaseStates } from '../../workflows/endpoint-lease.ts';
import type { WorkflowDefinition } from '../../workflows/workflow.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';
import { TaskFunctions } from '../constructs/task-functions.ts';
import { WorkflowAlarms } from '../constructs/workflow-alarms.ts';
import { WorkflowStateMachine } from '../constructs/workflow-state-machine.ts';
import { acknowledgeWildcard, nagForm } from '../nag.ts';
import { TRIGGER_FUNCTIONS } from '../trigger-functions.ts';

/**
 * The `detail` of the execution cleanup's event pattern: an abort or a timeout of any of `machines`, or a failure of
 * one of `throwawayMakers` (whose throwaways the cleanup deletes then; EventBridge's `$or`, EventBridge User Guide,
 * "Content filtering in Amazon EventBridge event patterns").
 */
function cleanupStatusPattern(machines: readonly string[], throwawayMakers: readonly string[]) {
  const stopped = { status: [...STOPPED_WITHOUT_ROLLBACK], stateMachineArn: [...machines] };
  if (throwawayMakers.length === 0) return stopped;
  return { $or: [stopped, { status: [FAILED_THROWAWAYS_ONLY], stateMachineArn: [...throwawayMakers] }] };
}

/** Room for a group's settings in its rule's input template (EventBridge allows 8192 characters in all). */
const MAX_GROUP_SETTINGS_CHARS = 7000;

/** One EventBridge Scheduler schedule that starts BatchTransform. */
export interface BatchTransformScheduleProps {
  /** Schedule name; also the job name's prefix (letters, digits, hyphens). */
  readonly name: string;
  /** `cron(...)`, `rate(...)` or `at(...)`, as EventBridge Scheduler writes them. */
  readonly expression: string;
  /** IANA time zone of a cron or at expression. @default 'UTC' */
  readonly timeZone?: string;
  /** Let Scheduler start the run up to this many minutes late, spreading load. @default - exactly on time */
  readonly flexibleWindowMinutes?: number;
  /** Deliveries Scheduler retries when StartExecution fails (0-185). @default 3 */
  readonly retryAttempts?: number;
  /** How long Scheduler keeps retrying a delivery (60 s to 24 h). @default - 24 hours */
  readonly maxEventAge?: Duration;
  /** The BatchTransform input; `scheduleName` and `scheduledTime` are filled in by the schedule. */
  readonly input: Omit<BatchTransformInputDocument, 'scheduleName' | 'scheduledTime'>;
  /** @default true */
  readonly enabled?: boolean;
}

/** Props of the SageMaker workflows stack. */
export interface SageMakerWorkflowsStackProps extends StackProps {
  /**
   * Only endpoints (and their models and configs) whose names start with this prefix can be deployed.
   * @default - any name
   */
  readonly resourceNamePrefix?: string;
  /**
   * Further buckets whose model artifacts SageMaker may read.
   * @default - only the stack's own artifact bucket
   */
  readonly modelArtifactBucketNames?: readonly string[];
  /** Name of the project's event bus. @default 'sagemaker-workflows' */
  readonly eventBusName?: string;
  /**
   * Buckets batch transforms read inputs from and write outputs to.
   * @default - only the stack's own artifact bucket
   */
  readonly batchDataBucketNames?: readonly string[];
  /**
   * Memory of the PackageModel function in MB (512-10,240). Lambda allocates CPU in proportion to memory (6 vCPUs at
   * 10,240 MB) and PackageModel gzips on every vCPU. New AWS accounts may have a lower memory quota (Lambda quotas).
   * @default 10240
   */
  readonly packageModelMemoryMb?: number;
  /** Schedules that start BatchTransform. @default - none (start it by hand) */
  readonly batchTransformSchedules?: readonly BatchTransformScheduleProps[];
  /**
   * The model package groups to follow, by group name, each with the settings its approved packages deploy with:
   * one EventBridge rule per group starts DeployApprovedModelPackage (through the dispatcher) on an approval or a
   * rejection. @default - none
   */
  readonly modelPackageGroups?: Readonly<Record<string, ModelPackageDeploymentDocument>>;
  /** The workflows to deploy, one state machine each. @default - WORKFLOWS, every workflow of the project */
  readonly workflows?: readonly WorkflowDefinition[];
}

/**
 * Everything the workflows need: the artifact bucket and its key, the SageMaker execution role, the event
 * bus, one Lambda function per task, and the state machines.
 */
export class SageMakerWorkflowsStack extends Stack {
  /** Deliveries a schedule could not hand to BatchTransform, after its retries. */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Model Registry events the dispatcher could not take, or that failed in it after Lambda's retries. */
  readonly modelPackageEventDeadLetterQueue?: sqs.Queue;
  /** The rules on Model Registry decisions, by model package group. */
  readonly modelPackageRules: Readonly<Record<string, events.Rule>>;
  /**
   * The rule that starts the execution cleanup when an execution of the stack's state machines is aborted or times
   * out, or one of a workflow that makes throwaways fails.
   */
  readonly executionCleanupRule: events.Rule;
  /** Status changes the execution cleanup failed on after Lambda's retries. */
  readonly executionCleanupDeadLetterQueue: sqs.Queue;
  /** The event-driven waits' records (contracts/task-tokens.ts). */
  readonly waitRecords: dynamodb.Table;
  /** The rules that hand SageMaker's endpoint and transform job state changes to CompleteWait, by resource kind. */
  readonly waitEventRules: Readonly<Record<'endpoint' | 'transformJob', events.Rule>>;
  /** State changes CompleteWait could not take (after the rule's retries) or failed on (after Lambda's). */
  readonly waitEventDeadLetterQueue: sqs.Queue;
  /** The BatchTransform schedules, by name. */
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /** Every state machine, by workflow name. */
  readonly stateMachines: Readonly<Record<string, sfn.StateMachine>>;
  /** Alarms on every state machine's failed, timed-out and throttled executions, and the topic they go to. */
  readonly alarms: WorkflowAlarms;
  readonly eventBus: events.EventBus;
  readonly executionRole: iam.Role;
  readonly taskFunctions: TaskFunctions;

  constructor(scope: Construct, id: string, props: SageMakerWorkflowsStackProps = {}) {
    super(scope, id, props);

    const key = new kms.Key(this, 'ArtifactsKey', {
      enableKeyRotation: true,
      description: 'Encrypts model artifacts of sagemaker-workflows',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const artifacts = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // aws-cdk-lib's Bucket declares isWebsite optional but IBucket requires it; only the types disagree.
      serverAccessLogsBucket: accessLogs as unknown as s3.IBucket,
      serverAccessLogsPrefix: 'artifacts/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.executionRole = new iam.Role(this, 'SageMakerExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Assumed by SageMaker to run the models sagemaker-workflows deploys',
    });
    const artifactBuckets = [
      artifacts.bucketArn,
      ...(props.modelArtifactBucketNames ?? []).map((name) =>
        this.formatArn({ service: 's3', region: '', account: '', resource: name }),
      ),
    ];
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: artifactBuckets.map((arn) => `${arn}/*`) }),
    );
    this.executionRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: artifactBuckets }));
    key.grantDecrypt(this.executionRole);
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    const repositories = this.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' });
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [repositories],
      }),
    );
    const sageMakerLogs = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '/aws/sagemaker/*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [sageMakerLogs],
      }),
    );
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
      }),
    );
    acknowledgeWildcard(
      this.executionRole,
      '*',
      'ecr:GetAuthorizationToken and cloudwatch:PutMetricData (limited to the SageMaker namespaces) support no resource-level permissions',
    );
    for (const arn of artifactBuckets) {
      acknowledgeWildcard(
        this.executionRole,
        `${nagForm(this, arn)}/*`,
        'SageMaker reads whichever model artifact a deployment names, and writes async outputs and data capture under prefixes it names, within the artifact buckets',
      );
    }
    acknowledgeWildcard(
      this.executionRole,
      nagForm(this, repositories),
      'Model images are chosen per deployment; SageMaker pulls whichever image a model names',
    );
    acknowledgeWildcard(
      this.executionRole,
      nagForm(this, sageMakerLogs),
      'SageMaker writes endpoint and transform job logs under /aws/sagemaker/',
    );

    const batchBuckets = props.batchDataBucketNames
      ? props.batchDataBucketNames.map((name) =>
          this.formatArn({ service: 's3', region: '', account: '', resource: name }),
        )
      : [artifacts.bucketArn];
    // SageMaker reads transform inputs and writes outputs with the execution role.
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: batchBuckets.map((arn) => `${arn}/*`),
      }),
    );
    this.executionRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: batchBuckets }));
    // Outputs written to the artifact bucket are encrypted with its key (reads are granted above).
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [key.keyArn] }),
    );
    for (const arn of batchBuckets) {
      acknowledgeWildcard(
        this.executionRole,
        `${nagForm(this, arn)}/*`,
        'Batch transform inputs and outputs are chosen per run (date-templated prefixes) within the batch data buckets',
      );
    }

    // Asynchronous endpoints write outputs and failures, and data capture writes its files, with the execution
    // role: under the artifact buckets, where the async health-check steps upload samples and read the answers.
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: artifactBuckets.map((arn) => `${arn}/*`),
      }),
    );
    // Asynchronous endpoints notify their SNS topics with the execution role: topics named with the resourceNamePrefix.
    const notificationTopics = this.formatArn({ service: 'sns', resource: `${props.resourceNamePrefix ?? ''}*` });
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [notificationTopics] }),
    );
    acknowledgeWildcard(
      this.executionRole,
      nagForm(this, notificationTopics),
      'Asynchronous endpoints notify topics chosen per deployment; scoped to the resourceNamePrefix',
    );

    this.eventBus = new events.EventBus(this, 'Events', { eventBusName: props.eventBusName ?? 'sagemaker-workflows' });

    // The event-driven waits' records: the token of each waiting task, by the endpoint or transform job it waits for
    // (contracts/task-tokens.ts). A small item per wait, read and written once or twice a wait; expired by DynamoDB.
    this.waitRecords = new dynamodb.Table(this, 'WaitRecords', {
      partitionKey: { name: WAIT_RECORD_KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: WAIT_RECORD_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.waitRecords).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'The wait records live for the length of a wait and expire in days: there is nothing to restore',
    });

    this.taskFunctions = new TaskFunctions(this, 'Tasks', {
      waitTableName: this.waitRecords.tableName,
      waitTableArn: this.waitRecords.tableArn,
      executionRole: this.executionRole,
      eventBusName: this.eventBus.eventBusName,
      eventBusArn: this.eventBus.eventBusArn,
      artifactBucketName: artifacts.bucketName,
      artifactBucketArns: artifactBuckets,
      artifactKeyArn: key.keyArn,
      batchDataBucketArns: batchBuckets,
      ...(props.resourceNamePrefix !== undefined ? { resourceNamePrefix: props.resourceNamePrefix } : {}),
      ...(props.packageModelMemoryMb !== undefined ? { packageModelMemoryMb: props.packageModelMemoryMb } : {}),
    });

    const stateMachines: Record<string, sfn.StateMachine> = {};
    /** The state machines that take an endpoint lease: only their executions can hold one. */
    const leaseTakers: sfn.StateMachine[] = [];
    /** The state machines whose executions make throwaway resources, which the cleanup deletes when one fails too. */
    const throwawayMakers: sfn.StateMachine[] = [];
    for (const workflow of props.workflows ?? WORKFLOWS) {
      if (workflow.name in stateMachines) throw new Error(`workflows: ${workflow.name} is listed twice`);
      const tasks = { ...this.taskFunctions.refs, ValidateInput: this.taskFunctions.firstState(workflow) };
      const built = new WorkflowStateMachine(this, workflow.name, {
        definition: (scope) => workflow.build(scope, tasks),
        timeout: workflow.timeout,
        taskFunctions: Object.values(this.taskFunctions.functions),
      });
      stateMachines[workflow.name] = built.stateMachine;
      if (built.stateNames.has(EndpointLeaseStates.AcquireEndpointLease)) leaseTakers.push(built.stateMachine);
      if ('makesThrowaways' in workflow && workflow.makesThrowaways === true) throwawayMakers.push(built.stateMachine);
    }
    this.stateMachines = stateMachines;
    this.taskFunctions.grantExecutionReads(leaseTakers);
    this.taskFunctions.grantTaskResponses(Object.values(stateMachines));
    this.alarms = new WorkflowAlarms(this, 'Alarms', { stateMachines });

    // An execution that is aborted or times out runs no more states, so no rollback: the cleanup removes what it
    // created and nothing serves (triggers/execution-cleanup). A failed one of a workflow that makes throwaways may
    // have failed in its own clean-up: the cleanup deletes its throwaways. Step Functions sends status changes to the
    // default bus.
    const cleanupDeadLetters = this.deadLetterQueue(
      'ExecutionCleanup',
      'This queue is itself the dead-letter queue of the execution cleanup and its rule',
    );
    this.executionCleanupDeadLetterQueue = cleanupDeadLetters;
    const cleanup = this.taskFunctions.triggerFunction('ExecutionCleanup', TRIGGER_FUNCTIONS.ExecutionCleanup, {
      environment: {},
      deadLetterQueue: cleanupDeadLetters,
    });
    this.executionCleanupRule = new events.Rule(this, 'ExecutionCleanupRule', {
      description:
        "Cleans up after an aborted or timed-out execution of the stack's state machines, and after a failed one that makes throwaways",
      eventPattern: {
        source: [EXECUTION_STATUS_CHANGE.source],
        detailType: [EXECUTION_STATUS_CHANGE.detailType],
        detail: cleanupStatusPattern(
          Object.values(stateMachines).map((machine) => machine.stateMachineArn),
          throwawayMakers.map((machine) => machine.stateMachineArn),
        ),
      },
      targets: [
        new eventTargets.LambdaFunction(cleanup, {
          deadLetterQueue: cleanupDeadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // Event-driven waits: SageMaker's state changes of this stack's endpoints and transform jobs go to CompleteWait,
    // which treats each as a hint (contracts/task-tokens.ts). Events that still say "moving" are left out.
    const waitDeadLetters = this.deadLetterQueue(
      'WaitEvent',
      'This queue is itself the dead-letter queue of the wait events rules and their target',
      'WaitEvents',
    );
    this.waitEventDeadLetterQueue = waitDeadLetters;
    const completeWait = this.taskFunctions.functions.CompleteWait;
    if (completeWait === undefined) throw new Error('The CompleteWait step has no function');
    // The stack's names start with resourceNamePrefix; with none, every name is the stack's.
    const prefix = props.resourceNamePrefix ?? '';
    const ourNames = prefix === '' ? [{ exists: true }] : [{ prefix }];
    const waitTarget = () =>
      new eventTargets.LambdaFunction(completeWait, {
        deadLetterQueue: waitDeadLetters,
        retryAttempts: 8,
        maxEventAge: Duration.hours(1),
      });
    this.waitEventRules = {
      endpoint: new events.Rule(this, 'EndpointWaitEventsRule', {
        description: "Completes the waits of the stack's state machines on their endpoints' state changes",
        eventPattern: {
          source: [WAIT_EVENTS.source],
          detailType: [WAIT_EVENTS.endpoint],
          detail: {
            EndpointName: ourNames,
            EndpointStatus: [{ 'anything-but': [...WAIT_EVENTS.endpointMovingStatuses] }],
          },
        },
        targets: [waitTarget()],
      }),
      transformJob: new events.Rule(this, 'TransformJobWaitEventsRule', {
        description: "Completes the waits of the stack's state machines on their transform jobs' state changes",
        eventPattern: {
          source: [WAIT_EVENTS.source],
          detailType: [WAIT_EVENTS.transformJob],
          detail: {
            TransformJobName: ourNames,
            TransformJobStatus: [{ 'anything-but': [...WAIT_EVENTS.transformJobMovingStatuses] }],
          },
        },
        targets: [waitTarget()],
      }),
    };
    // A callback that fails after Lambda's own retries has no dead-letter queue of its own: the waiting task's
    // heartbeat runs out and the fallback polls, so a lost callback makes a wait slower, as a lost event does.

    this.scheduleDeadLetterQueue = this.deadLetterQueue(
      'Schedule',
      'This queue is itself the dead-letter queue of the BatchTransform schedules',
      'Schedules',
    );
    const schedules: Record<string, scheduler.Schedule> = {};
    const batchTransform = stateMachines.BatchTransform;
    if (props.batchTransformSchedules?.length && batchTransform === undefined) {
      throw new Error('batchTransformSchedules: the stack deploys no BatchTransform workflow to start');
    }
    for (const schedule of props.batchTransformSchedules ?? []) {
      if (batchTransform === undefined) break;
      if (!SAGEMAKER_NAME_PATTERN.test(schedule.name) || schedule.name in schedules) {
        throw new Error(
          `batchTransformSchedules: "${schedule.name}" must be a unique name of letters, digits, hyphens`,
        );
      }
      schedules[schedule.name] = new scheduler.Schedule(this, `Schedule-${schedule.name}`, {
        scheduleName: `${this.stackName}-${schedule.name}`.slice(0, 64),
        description: `Starts BatchTransform (${schedule.name})`,
        schedule: scheduler.ScheduleExpression.expression(schedule.expression, TimeZone.of(schedule.timeZone ?? 'UTC')),
        timeWindow:
          schedule.flexibleWindowMinutes !== undefined
            ? scheduler.TimeWindow.flexible(Duration.minutes(schedule.flexibleWindowMinutes))
            : scheduler.TimeWindow.off(),
        enabled: schedule.enabled ?? true,
        target: new schedulerTargets.StepFunctionsStartExecution(batchTransform, {
          input: scheduler.ScheduleTargetInput.fromObject({
            ...schedule.input,
            scheduleName: schedule.name,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
          deadLetterQueue: this.scheduleDeadLetterQueue,
          retryAttempts: schedule.retryAttempts ?? 3,
          maxEventAge: schedule.maxEventAge ?? Duration.hours(24),
        }),
      });
    }
    this.schedules = schedules;

    const groups = Object.entries(props.modelPackageGroups ?? {});
    const rules: Record<string, events.Rule> = {};
    const deployApproved = stateMachines.DeployApprovedModelPackage;
    if (groups.length > 0) {
      if (deployApproved === undefined) {
        throw new Error('modelPackageGroups: the stack deploys no DeployApprovedModelPackage workflow to start');
      }
      const deadLetters = this.deadLetterQueue(
        'ModelPackageEvent',
        'This queue is itself the dead-letter queue of the Model Registry rules and their dispatcher',
        'ModelPackageEvents',
      );
      this.modelPackageEventDeadLetterQueue = deadLetters;
      // EventBridge cannot name an execution: the dispatcher names it after the decision, so duplicates start nothing.
      const dispatcher = this.taskFunctions.triggerFunction(
        'ModelPackageEvents',
        TRIGGER_FUNCTIONS.ModelPackageEvents,
        {
          environment: { STATE_MACHINE_ARN: deployApproved.stateMachineArn },
          deadLetterQueue: deadLetters,
        },
      );
      deployApproved.grantStartExecution(dispatcher);
      for (const [group, deployment] of groups) {
        if (!SAGEMAKER_NAME_PATTERN.test(group)) {
          throw new Error(`modelPackageGroups: "${group}" is not a model package group name`);
        }
        // The group's settings travel in the target's input template, which EventBridge caps at 8192 characters.
        const settings = JSON.stringify(deployment);
        if (settings.length > MAX_GROUP_SETTINGS_CHARS) {
          throw new Error(
            `modelPackageGroups.${group}: its settings take ${settings.length} characters of JSON; at most ${MAX_GROUP_SETTINGS_CHARS} fit in an EventBridge input template`,
          );
        }
        rules[group] = new events.Rule(this, `ModelPackageRule-${group}`, {
          description: `Starts DeployApprovedModelPackage when a package of ${group} is approved or rejected`,
          eventPattern: {
            source: [MODEL_PACKAGE_STATE_CHANGE.source],
            detailType: [MODEL_PACKAGE_STATE_CHANGE.detailType],
            detail: { ModelPackageGroupName: [group], ModelApprovalStatus: [...TRIGGERING_APPROVAL_STATUSES] },
          },
          targets: [
            new eventTargets.LambdaFunction(dispatcher, {
              event: events.RuleTargetInput.fromObject({ group, event: events.EventField.fromPath('$'), deployment }),
              deadLetterQueue: deadLetters,
              retryAttempts: 8,
              maxEventAge: Duration.hours(24),
            }),
          ],
        });
      }
    }
    this.modelPackageRules = rules;

    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'ArtifactBucketName', { value: artifacts.bucketName });
    new CfnOutput(this, 'SageMakerExecutionRoleArn', { value: this.executionRole.roleArn });
  }

  /**
   * The dead-letter queue `<name>DeadLetters` of a rule or schedule and its target (encrypted, TLS only, 14 days),
   * watched by the alarm `alarmName`.
   */
  private deadLetterQueue(name: string, reason: string, alarmName = name): sqs.Queue {
    const queue = new sqs.Queue(this, `${name}DeadLetters`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
    this.alarms.watchDeadLetters(alarmName, queue);
    return queue;
  }
}
