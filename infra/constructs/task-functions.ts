import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arn, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type ResourceKind, TASKS } from '../../tasks/registry.ts';
import type { TaskRefs } from '../../workflows/fragments.ts';
import { TASK_NAMES, TASK_TAG_KEY, type TaskName } from '../../workflows/task-names.ts';
import { acknowledgeWildcard, nagForm } from '../nag.ts';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Props of TaskFunctions. */
export interface TaskFunctionsProps {
  /** The role SageMaker assumes for the models CreateModel creates; the only role tasks may pass. */
  readonly executionRole: iam.IRole;
  /** The bus lifecycle events go to. */
  readonly eventBusName: string;
  readonly eventBusArn: string;
  /**
   * Only SageMaker resources whose names start with this prefix are reachable by the tasks.
   * @default - any name
   */
  readonly resourceNamePrefix?: string;
  /** The stack's artifact bucket: where packages go unless the input names another output. */
  readonly artifactBucketName: string;
  /** ARNs of the buckets packaging may read sources from and write packages to (the artifact bucket first). */
  readonly artifactBucketArns: readonly string[];
  /** The KMS key that encrypts the artifact bucket. */
  readonly artifactKeyArn: string;
  /**
   * ARNs of the buckets batch transform inputs and outputs live in (listed to skip empty runs and verify outputs).
   * @default - the artifact buckets
   */
  readonly batchDataBucketArns?: readonly string[];
  /** How long the functions' logs are kept. @default - one month */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * One Lambda function per registered task (nodejs22.x, arm64, ESM, minified, AWS SDK bundled), each with
 * only the IAM actions its step calls, on ARNs scoped by name prefix.
 */
export class TaskFunctions extends Construct {
  /** The functions as workflows take them. */
  readonly refs: TaskRefs;
  readonly functions: Readonly<Record<TaskName, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    const prefix = props.resourceNamePrefix ?? '';
    if (!/^[a-zA-Z0-9-]*$/.test(prefix)) {
      throw new Error(`resourceNamePrefix must contain only letters, digits and hyphens, got "${prefix}"`);
    }
    const stack = Stack.of(this);
    const sagemakerArn = (resource: string) =>
      Arn.format({ service: 'sagemaker', resource, resourceName: `${prefix.toLowerCase()}*` }, stack);
    const arnsOf = (kind: ResourceKind): string[] => {
      switch (kind) {
        case 'model':
          return [sagemakerArn('model')];
        case 'endpoint-config':
          return [sagemakerArn('endpoint-config')];
        case 'endpoint':
          return [sagemakerArn('endpoint')];
        case 'transform-job':
          return [sagemakerArn('transform-job')];
        case 'batch-data-bucket':
          return [...(props.batchDataBucketArns ?? props.artifactBucketArns)];
        case 'event-bus':
          return [props.eventBusArn];
        case 'execution-role':
          return [props.executionRole.roleArn];
        case 'artifact-bucket':
          return [...props.artifactBucketArns];
        case 'artifact-object':
          return props.artifactBucketArns.map((arn) => `${arn}/*`);
        case 'artifact-key':
          return [props.artifactKeyArn];
        case 'any':
          return ['*'];
      }
    };
    const environmentValues = {
      SAGEMAKER_EXECUTION_ROLE_ARN: props.executionRole.roleArn,
      EVENT_BUS_NAME: props.eventBusName,
      ARTIFACT_BUCKET_NAME: props.artifactBucketName,
    };

    const functions = {} as Record<TaskName, NodejsFunction>;
    const refs = {} as Record<TaskName, { fn: NodejsFunction; timeoutSeconds: number }>;
    for (const name of TASK_NAMES) {
      const task = TASKS[name];
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      });
      // An explicit role instead of AWSLambdaBasicExecutionRole: logs go only to this function's log group.
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Runs the ${name} step of sagemaker-workflows`,
      });
      logGroup.grantWrite(role);
      const fn = new NodejsFunction(this, name, {
        role,
        entry: join(projectRoot, 'tasks', task.folder, 'handler.ts'),
        handler: 'handler',
        projectRoot,
        depsLockFilePath: join(projectRoot, 'package-lock.json'),
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: task.memoryMb,
        timeout: Duration.seconds(task.timeoutSeconds),
        tracing: Tracing.ACTIVE,
        logGroup,
        environment: {
          POWERTOOLS_SERVICE_NAME: 'sagemaker-workflows',
          ...Object.fromEntries(task.environment.map((key) => [key, environmentValues[key]])),
        },
        bundling: {
          format: OutputFormat.ESM,
          minify: true,
          sourceMap: true,
          target: 'node22',
          mainFields: ['module', 'main'],
          externalModules: [],
          // Some bundled CommonJS dependencies call require(); ESM output needs it defined.
          banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
        },
      });
      Tags.of(fn).add(TASK_TAG_KEY, name);
      const kinds = new Set(task.permissions.flatMap((p) => p.resources));
      for (const permission of task.permissions) {
        const isPassRole = permission.actions.includes('iam:PassRole');
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: [...permission.actions],
            resources: permission.resources.flatMap(arnsOf),
            ...(isPassRole
              ? { conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }
              : {}),
          }),
        );
      }
      acknowledgeWildcard(
        role,
        '*',
        kinds.has('any')
          ? 'X-Ray trace writes and SageMaker List*/DescribeModelPackage support no resource-level permissions'
          : 'X-Ray trace writes (PutTraceSegments, PutTelemetryRecords) support no resource-level permissions',
      );
      for (const kind of ['model', 'endpoint-config', 'endpoint', 'transform-job'] as const) {
        if (!kinds.has(kind)) continue;
        acknowledgeWildcard(
          role,
          nagForm(this, sagemakerArn(kind)),
          `SageMaker ${kind} names are chosen per deployment at run time; access is scoped to the resourceNamePrefix`,
        );
      }
      if (kinds.has('artifact-object')) {
        for (const arn of props.artifactBucketArns) {
          acknowledgeWildcard(
            role,
            `${nagForm(this, arn)}/*`,
            'Model sources and packages are chosen per execution at run time; access is scoped to the artifact buckets',
          );
        }
      }
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'nodejs22.x is the Lambda runtime this project targets and tests; it moves with the project',
      });
      functions[name] = fn;
      refs[name] = { fn, timeoutSeconds: task.timeoutSeconds };
    }
    this.functions = functions;
    this.refs = refs;
  }
}
