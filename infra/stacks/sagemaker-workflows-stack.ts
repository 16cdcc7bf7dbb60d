import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deployEndpointDefinition } from '../../workflows/deploy-endpoint/definition.ts';
import { packageModelDefinition } from '../../workflows/package-model/definition.ts';
import type { WorkflowName } from '../../workflows/workflow-names.ts';
import { TaskFunctions } from '../constructs/task-functions.ts';
import { acknowledgeWildcard, nagForm } from '../nag.ts';

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
}

/**
 * Everything the workflows need: the artifact bucket and its key, the SageMaker execution role, the event
 * bus, one Lambda function per task, and the state machines.
 */
export class SageMakerWorkflowsStack extends Stack {
  readonly deployEndpoint: sfn.StateMachine;
  readonly packageModel: sfn.StateMachine;
  /** Every state machine, by workflow name. */
  readonly stateMachines: Readonly<Record<WorkflowName, sfn.StateMachine>>;
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
        'SageMaker reads whichever model artifact a deployment names, under the artifact buckets',
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

    this.eventBus = new events.EventBus(this, 'Events', { eventBusName: props.eventBusName ?? 'sagemaker-workflows' });

    this.taskFunctions = new TaskFunctions(this, 'Tasks', {
      executionRole: this.executionRole,
      eventBusName: this.eventBus.eventBusName,
      eventBusArn: this.eventBus.eventBusArn,
      artifactBucketName: artifacts.bucketName,
      artifactBucketArns: artifactBuckets,
      artifactKeyArn: key.keyArn,
      ...(props.resourceNamePrefix !== undefined ? { resourceNamePrefix: props.resourceNamePrefix } : {}),
    });

    const stateMachineLogs = new logs.LogGroup(this, 'DeployEndpointLogs', {
      logGroupName: `/aws/vendedlogs/states/${this.stackName}-DeployEndpoint`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deployEndpoint = new sfn.StateMachine(this, 'DeployEndpoint', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        deployEndpointDefinition(new Construct(this, 'DeployEndpointStates'), this.taskFunctions.refs),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(48),
      tracingEnabled: true,
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    const packageModelLogs = new logs.LogGroup(this, 'PackageModelLogs', {
      logGroupName: `/aws/vendedlogs/states/${this.stackName}-PackageModel`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.packageModel = new sfn.StateMachine(this, 'PackageModel', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        packageModelDefinition(new Construct(this, 'PackageModelStates'), this.taskFunctions.refs),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: packageModelLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.stateMachines = { DeployEndpoint: this.deployEndpoint, PackageModel: this.packageModel };

    for (const stateMachine of Object.values(this.stateMachines)) {
      acknowledgeWildcard(
        stateMachine.role,
        '*',
        'X-Ray trace writes and CloudWatch Logs delivery support no resource-level permissions',
      );
      for (const fn of Object.values(this.taskFunctions.functions)) {
        acknowledgeWildcard(
          stateMachine.role,
          `${nagForm(this, fn.functionArn)}:*`,
          'Step Functions invokes any version or alias of its own task functions',
        );
      }
    }

    new CfnOutput(this, 'DeployEndpointStateMachineArn', { value: this.deployEndpoint.stateMachineArn });
    new CfnOutput(this, 'PackageModelStateMachineArn', { value: this.packageModel.stateMachineArn });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'ArtifactBucketName', { value: artifacts.bucketName });
    new CfnOutput(this, 'SageMakerExecutionRoleArn', { value: this.executionRole.roleArn });
  }
}
