import { join } from 'node:path';
import { Arn, ArnFormat, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LEASE_KEY_PREFIX } from '../../contracts/endpoint-lease.ts';
import { CODE_TAG_KEY, TASK_TAG_KEY } from '../../contracts/resource-tags.ts';
import type { ResourceKind, TaskRegistration } from '../../tasks/_shared/task-registration.ts';
import { PACKAGE_MODEL_MEMORY_MB } from '../../tasks/package-model/registration.ts';
import { TASK_NAMES, TASKS, type TaskName, taskFolder } from '../../tasks/registry.ts';
import type { TaskRef, TaskRefs } from '../../workflows/fragments.ts';
import type { WorkflowDefinition } from '../../workflows/workflow.ts';
import { LAMBDA_BUNDLE } from '../bundling.ts';
import { acknowledgeWildcard, nagForm } from '../nag.ts';
import { projectRoot } from '../project-root.ts';
import type { TriggerFunction } from '../trigger-functions.ts';

/** Props of TaskFunctions. */
interface TaskFunctionsProps {
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
  /**
   * ARNs of the buckets packaging may read sources from and write packages to (the artifact bucket first: the
   * endpoint leases live under its `leases/` prefix).
   */
  readonly artifactBucketArns: readonly string[];
  /** The KMS key that encrypts the artifact bucket. */
  readonly artifactKeyArn: string;
  /** The table of the event-driven waits' records (contracts/task-tokens.ts). */
  readonly waitTableName: string;
  readonly waitTableArn: string;
  /**
   * ARNs of the buckets batch transform inputs and outputs live in (listed to skip empty runs and verify outputs).
   * @default - the artifact buckets
   */
  readonly batchDataBucketArns?: readonly string[];
  /** How long the functions' logs are kept. @default - one month */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Memory of the PackageModel function in MB (512-10,240), which sets its vCPUs, which gzip runs on.
   * @default - the registry's, 10,240 MB (6 vCPUs)
   */
  readonly packageModelMemoryMb?: number;
}

/** The function of a workflow's first state: parsing only, no AWS calls. */
/** The service principal of Application Auto Scaling's service-linked role for SageMaker endpoints. */
const SCALING_SERVICE = 'sagemaker.application-autoscaling.amazonaws.com';

const FIRST_STATE: TaskRegistration = { timeoutSeconds: 10, memoryMb: 256, permissions: [], environment: [] };

/**
 * One Lambda function per registered task, and one per workflow for its first state (nodejs22.x, arm64, ESM,
 * minified, AWS SDK bundled; infra/bundling.ts), each with only the IAM actions its step calls, on ARNs
 * scoped by name prefix, tagged with its task and handler module for the local runner.
 */
export class TaskFunctions extends Construct {
  /** The registered steps' functions as workflows take them. */
  readonly refs: TaskRefs;
  /** Every function: the registered steps by task name, the first states by `<Workflow>.ValidateInput`. */
  readonly functions: Readonly<Record<string, NodejsFunction>>;
  private readonly created: Record<string, NodejsFunction> = {};
  private readonly props: TaskFunctionsProps;
  /** Functions that describe this stack's executions, granted once the state machines exist (grantExecutionReads). */
  private readonly executionReaders: { id: string; role: iam.Role; actions: readonly string[] }[] = [];
  private executionReadsGranted = false;
  /** Functions that complete this stack's waiting tasks, granted once the state machines exist (grantTaskResponses). */
  private readonly taskResponders: { id: string; role: iam.Role; actions: readonly string[] }[] = [];
  private taskResponsesGranted = false;
  private readonly sagemakerArn: (resource: string) => string;

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    const prefix = props.resourceNamePrefix ?? '';
    if (!/^[a-zA-Z0-9-]*$/.test(prefix)) {
      throw new Error(`resourceNamePrefix must contain only letters, digits and hyphens, got "${prefix}"`);
    }
    const memory = props.packageModelMemoryMb;
    if (
      memory !== undefined &&
      !(Number.isInteger(memory) && memory >= PACKAGE_MODEL_MEMORY_MB.min && memory <= PACKAGE_MODEL_MEMORY_MB.max)
    ) {
      throw new Error(
        `packageModelMemoryMb must be a whole number of MB from ${PACKAGE_MODEL_MEMORY_MB.min} to ${PACKAGE_MODEL_MEMORY_MB.max}, got ${memory}`,
      );
    }
    this.props = props;
    const stack = Stack.of(this);
    this.sagemakerArn = (resource: string) =>
      Arn.format({ service: 'sagemaker', resource, resourceName: `${prefix.toLowerCase()}*` }, stack);
    const refs = {} as Record<TaskName, TaskRef>;
    for (const name of TASK_NAMES) {
      const folder = taskFolder(name);
      const registration =
        name === 'PackageModel' && memory !== undefined ? { ...TASKS[name], memoryMb: memory } : TASKS[name];
      refs[name] = this.addFunction(name, name, `${folder}/handler.ts`, registration, `the ${name} step`);
    }
    this.refs = refs;
    this.functions = this.created;
    this.node.addValidation({
      validate: () => [
        ...(this.executionReaders.length > 0 && !this.executionReadsGranted
          ? [
              `${this.executionReaders.map((r) => r.id).join(', ')} describe workflow executions: call grantExecutionReads with the stack's state machines`,
            ]
          : []),
        ...(this.taskResponders.length > 0 && !this.taskResponsesGranted
          ? [
              `${this.taskResponders.map((r) => r.id).join(', ')} complete waiting tasks: call grantTaskResponses with the stack's state machines`,
            ]
          : []),
      ],
    });
  }

  /**
   * Grants the steps that complete waiting tasks (SendTaskSuccess: the event-driven waits, contracts/task-tokens.ts)
   * their actions on `stateMachines` (the stack's own), and no other. In a policy of its own per function, for the
   * reason grantExecutionReads gives: the state machines invoke these functions.
   */
  grantTaskResponses(stateMachines: readonly sfn.StateMachine[]): void {
    this.taskResponsesGranted = true;
    if (stateMachines.length === 0) return;
    const stack = Stack.of(this);
    const arns = stateMachines.map((machine) =>
      stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: machine.stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    for (const responder of this.taskResponders) {
      new iam.Policy(this, `${responder.id}TaskResponses`, {
        roles: [responder.role],
        statements: [new iam.PolicyStatement({ actions: [...responder.actions], resources: arns })],
      });
    }
  }

  /**
   * Grants the steps that ask whether an execution still runs (the endpoint lease's holder check) their actions on
   * the executions of `stateMachines` (the stack's own that take an endpoint lease, whose executions alone can hold
   * one), and no other. In a policy of its own per function: a function's role cannot name the state machines that
   * invoke the function in its default policy, on which the function depends, without a dependency cycle. With no
   * state machines, nothing is granted.
   */
  grantExecutionReads(stateMachines: readonly sfn.StateMachine[]): void {
    this.executionReadsGranted = true;
    if (stateMachines.length === 0) return;
    const stack = Stack.of(this);
    const arns = stateMachines.map((machine) =>
      stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${machine.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    for (const reader of this.executionReaders) {
      const policy = new iam.Policy(this, `${reader.id}ExecutionReads`, {
        roles: [reader.role],
        statements: [new iam.PolicyStatement({ actions: [...reader.actions], resources: arns })],
      });
      for (const arn of arns) {
        acknowledgeWildcard(
          policy,
          nagForm(this, arn),
          "Executions are named at run time; access is scoped to this stack's state machines' executions",
        );
      }
    }
  }

  /** The function of `workflow`'s first state, built from its folder's validate-input.ts. */
  firstState(workflow: WorkflowDefinition): TaskRef {
    const task = `${workflow.name}.ValidateInput`;
    return this.addFunction(
      `${workflow.name}ValidateInput`,
      task,
      `${workflow.folder}/validate-input.ts`,
      FIRST_STATE,
      `the first state of ${workflow.name}`,
    );
  }

  /**
   * A function that is no step of a workflow but the target of a trigger (an EventBridge rule), built like the
   * steps' functions (bundling, logs, tracing, the task and code tags the local runner reads), with the
   * environment and dead-letter queue the trigger needs. It gets the permissions its entry lists; the caller grants the rest it calls.
   */
  triggerFunction(
    name: string,
    trigger: TriggerFunction,
    options: {
      readonly environment: Readonly<Record<string, string>>;
      /** Where Lambda puts an asynchronous invocation that failed after its retries. */
      readonly deadLetterQueue: sqs.IQueue;
    },
  ): NodejsFunction {
    const registration = {
      timeoutSeconds: trigger.timeoutSeconds,
      memoryMb: trigger.memoryMb,
      permissions: trigger.permissions ?? [],
      environment: [],
    };
    this.addFunction(name, name, trigger.code, registration, `the ${name} trigger`, options);
    return this.created[name] as NodejsFunction;
  }

  private arnsOf(kind: ResourceKind): string[] {
    const props = this.props;
    switch (kind) {
      case 'model':
        return [this.sagemakerArn('model')];
      case 'endpoint-config':
        return [this.sagemakerArn('endpoint-config')];
      case 'endpoint':
        return [this.sagemakerArn('endpoint')];
      case 'inference-component':
        return [this.sagemakerArn('inference-component')];
      case 'transform-job':
        return [this.sagemakerArn('transform-job')];
      case 'inference-recommendations-job':
        return [this.sagemakerArn('inference-recommendations-job')];
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
      case 'scaling-alarm':
        return [
          Arn.format(
            {
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `TargetTracking-endpoint/${props.resourceNamePrefix ?? ''}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            },
            Stack.of(this),
          ),
        ];
      case 'component-scaling-alarm':
        return [
          Arn.format(
            {
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `TargetTracking-inference-component/${props.resourceNamePrefix ?? ''}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            },
            Stack.of(this),
          ),
        ];
      case 'scaling-service-linked-role':
        return [
          Arn.format(
            {
              service: 'iam',
              region: '',
              resource: 'role',
              resourceName: `aws-service-role/${SCALING_SERVICE}/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
            },
            Stack.of(this),
          ),
        ];
      case 'lease-object':
        return [`${props.artifactBucketArns[0]}/${LEASE_KEY_PREFIX}*`];
      case 'wait-record-table':
        return [props.waitTableArn];
      case 'workflow-execution':
        // Granted by grantExecutionReads, once the state machines exist.
        return [];
      case 'workflow-state-machine':
        // Granted by grantTaskResponses, once the state machines exist.
        return [];
      case 'any':
        return ['*'];
    }
  }

  private addFunction(
    id: string,
    task: string,
    code: string,
    registration: TaskRegistration,
    what: string,
    extra: { environment?: Readonly<Record<string, string>>; deadLetterQueue?: sqs.IQueue } = {},
  ): TaskRef {
    const props = this.props;
    const environmentValues = {
      SAGEMAKER_EXECUTION_ROLE_ARN: props.executionRole.roleArn,
      EVENT_BUS_NAME: props.eventBusName,
      ARTIFACT_BUCKET_NAME: props.artifactBucketName,
      WAIT_TABLE_NAME: props.waitTableName,
    };
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go only to this function's log group.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${what} of sagemaker-workflows`,
    });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, id, {
      role,
      entry: join(projectRoot, code),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: registration.memoryMb,
      timeout: Duration.seconds(registration.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'sagemaker-workflows',
        ...Object.fromEntries(registration.environment.map((key) => [key, environmentValues[key]])),
        ...extra.environment,
      },
      ...(extra.deadLetterQueue ? { deadLetterQueue: extra.deadLetterQueue } : {}),
      bundling: {
        format: OutputFormat.ESM,
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: LAMBDA_BUNDLE.sourcemap,
        target: LAMBDA_BUNDLE.target,
        mainFields: [...LAMBDA_BUNDLE.mainFields],
        externalModules: [],
        banner: LAMBDA_BUNDLE.banner,
        esbuildArgs: Object.fromEntries(
          Object.entries(LAMBDA_BUNDLE.alias).map(([module, path]) => [`--alias:${module}`, path]),
        ),
      },
    });
    Tags.of(fn).add(TASK_TAG_KEY, task);
    Tags.of(fn).add(CODE_TAG_KEY, code);
    const kinds = new Set(registration.permissions.flatMap((p) => p.resources));
    for (const permission of registration.permissions) {
      if (permission.resources.includes('workflow-execution')) {
        this.executionReaders.push({ id, role, actions: permission.actions });
        if (permission.resources.length === 1) continue;
      }
      if (permission.resources.includes('workflow-state-machine')) {
        this.taskResponders.push({ id, role, actions: permission.actions });
        if (permission.resources.length === 1) continue;
      }
      const isPassRole = permission.actions.includes('iam:PassRole');
      const isServiceLinkedRole = permission.actions.includes('iam:CreateServiceLinkedRole');
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [...permission.actions],
          resources: permission.resources.flatMap((kind) => this.arnsOf(kind)),
          ...(isPassRole ? { conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } } : {}),
          ...(isServiceLinkedRole ? { conditions: { StringLike: { 'iam:AWSServiceName': SCALING_SERVICE } } } : {}),
        }),
      );
    }
    acknowledgeWildcard(
      role,
      '*',
      kinds.has('any')
        ? 'X-Ray trace writes, SageMaker List*/DescribeModelPackage and the Application Auto Scaling actions on SageMaker variants support no resource-level permissions'
        : 'X-Ray trace writes (PutTraceSegments, PutTelemetryRecords) support no resource-level permissions',
    );
    for (const kind of [
      'model',
      'endpoint-config',
      'endpoint',
      'inference-component',
      'transform-job',
      'inference-recommendations-job',
    ] as const) {
      if (!kinds.has(kind)) continue;
      acknowledgeWildcard(
        role,
        nagForm(this, this.sagemakerArn(kind)),
        `SageMaker ${kind} names are chosen per deployment at run time; access is scoped to the resourceNamePrefix`,
      );
    }
    if (kinds.has('scaling-alarm')) {
      acknowledgeWildcard(
        role,
        nagForm(this, this.arnsOf('scaling-alarm')[0] as string),
        'Target tracking names its alarms after the endpoint variant, chosen per deployment; scoped to the resourceNamePrefix',
      );
    }
    if (kinds.has('component-scaling-alarm')) {
      acknowledgeWildcard(
        role,
        nagForm(this, this.arnsOf('component-scaling-alarm')[0] as string),
        'Target tracking names its alarms after the inference component, chosen per deployment; scoped to the resourceNamePrefix',
      );
    }
    if (kinds.has('lease-object')) {
      acknowledgeWildcard(
        role,
        nagForm(this, this.arnsOf('lease-object')[0] as string),
        'One lease object per endpoint, named after the endpoint at run time; access is scoped to the leases/ prefix',
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
    this.created[task] = fn;
    return { fn, timeoutSeconds: registration.timeoutSeconds, codeFolder: code.slice(0, code.lastIndexOf('/')) };
  }
}
