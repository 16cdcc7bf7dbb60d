import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CODE_TAG_KEY, TASK_TAG_KEY, WORKFLOW_TAG_KEY } from '../../contracts/resource-tags.ts';
import { TRIGGER_FUNCTIONS } from '../../infra/trigger-functions.ts';
import { TASK_NAMES, TASKS, taskFolder } from '../../tasks/registry.ts';
import { deployEndpoint } from '../../workflows/deploy-endpoint/workflow.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';
import { synthesize } from './synthesized.ts';

let template: Template;
let report: unknown;

beforeAll(() => {
  ({ template, report } = synthesize());
});

type PluginReport = {
  pluginName: string;
  conclusion: string;
  violations: unknown[];
  suppressedViolations?: { acknowledgedId: string; reason: string }[];
};
type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

function resourcesOf(type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

function tagOf(resource: Resource, key: string): string | undefined {
  const tags = (resource.Properties.Tags ?? []) as { Key: string; Value: string }[];
  return tags.find((t) => t.Key === key)?.Value;
}

const taskOf = (fn: Resource) => tagOf(fn, TASK_TAG_KEY);

/** The registration of a function's task: a registered step's, a trigger's, or a first state's (parsing only). */
function registrationOf(task: string): {
  timeoutSeconds: number;
  memoryMb: number;
  permissions: readonly { actions: readonly string[] }[];
} {
  if (task in TASKS) return TASKS[task as keyof typeof TASKS];
  if (task in TRIGGER_FUNCTIONS) {
    const trigger = TRIGGER_FUNCTIONS[task as keyof typeof TRIGGER_FUNCTIONS];
    return { ...trigger, permissions: 'permissions' in trigger ? trigger.permissions : [] };
  }
  return { timeoutSeconds: 10, memoryMb: 256, permissions: [] };
}

/** The statements of the policies attached to a role (by the role's logical id). */
function statementsOfRole(roleLogicalId: string): Statement[] {
  return Object.values(resourcesOf('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The logical id of the role SageMaker assumes (the execution role). */
function sageMakerExecutionRoleId(): string {
  const [id] = Object.keys(
    template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })]),
        },
      },
    }),
  );
  if (id === undefined) throw new Error('no role assumed by SageMaker in the template');
  return id;
}

const actionsOf = (statements: Statement[]) =>
  new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));

describe('SageMakerWorkflowsStack', () => {
  it('passes the cdk-nag AwsSolutions checks, every acknowledgement naming its finding and reason', () => {
    // An unacknowledged AwsSolutions finding fails the synthesis itself; the report shows what ran and passed.
    const plugins = (report as { pluginReports: PluginReport[] } | undefined)?.pluginReports ?? [];
    expect(plugins.length).toBeGreaterThan(0);
    for (const plugin of plugins) {
      expect(plugin, plugin.pluginName).toMatchObject({ conclusion: 'success', violations: [] });
      for (const acknowledged of plugin.suppressedViolations ?? []) {
        expect(acknowledged.reason, acknowledged.acknowledgedId).toMatch(/\w{10,}/);
      }
    }
  });

  it('builds one Lambda function per registered task, per first state and for the execution cleanup: nodejs22.x, arm64, traced, tagged', () => {
    const functions = Object.values(resourcesOf('AWS::Lambda::Function')).filter((fn) => taskOf(fn) !== undefined);
    const firstStates = WORKFLOWS.map((w) => `${w.name}.ValidateInput`);
    expect(functions.map(taskOf).sort()).toEqual([...TASK_NAMES, ...firstStates, 'ExecutionCleanup'].sort());
    for (const fn of functions) {
      const name = taskOf(fn) as string;
      const task = registrationOf(name);
      const workflow = WORKFLOWS.find((w) => `${w.name}.ValidateInput` === name);
      const trigger = TRIGGER_FUNCTIONS[name as keyof typeof TRIGGER_FUNCTIONS];
      expect(tagOf(fn, CODE_TAG_KEY)).toBe(
        workflow
          ? `${workflow.folder}/validate-input.ts`
          : (trigger?.code ?? `${taskFolder(name as keyof typeof TASKS)}/handler.ts`),
      );
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Timeout: task.timeoutSeconds,
        MemorySize: task.memoryMb,
      });
    }
  });

  it('gives each function exactly the IAM actions its registry entry lists', () => {
    for (const fn of Object.values(resourcesOf('AWS::Lambda::Function'))) {
      const task = taskOf(fn);
      if (task === undefined) continue;
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const granted = actionsOf(statementsOfRole(roleId));
      const expected = new Set(registrationOf(task).permissions.flatMap((p) => p.actions));
      // A function with a dead-letter queue of its own (a trigger's) sends its failed asynchronous invocations there.
      if (fn.Properties.DeadLetterConfig !== undefined) expected.add('sqs:SendMessage');
      for (const action of expected) expect(granted, `${task} lacks ${action}`).toContain(action);
      const extra = [...granted].filter(
        (action) => !expected.has(action) && !action.startsWith('xray:') && !action.startsWith('logs:'),
      );
      expect(extra, `${task} has more than its registry entry`).toEqual([]);
    }
  });

  it('lets only the tasks that create models, jobs or component endpoint configs pass a role: the SageMaker execution role, to SageMaker', () => {
    const passRoles = Object.values(resourcesOf('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) =>
        [s.Action].flat().includes('iam:PassRole'),
      ),
    );
    // CreateModel (DeployEndpoint), StartTransformJob (BatchTransform, which may create its model),
    // StartInferenceRecommendations (RightSizeEndpoint's Inference Recommender job) and EnsureComponentEndpoint (an
    // endpoint config for inference components names the role their copies run as).
    expect(passRoles).toHaveLength(4);
    for (const passRole of passRoles) {
      expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    }
    const executionRoleId = sageMakerExecutionRoleId();
    for (const passRole of passRoles) expect(passRole.Resource).toEqual({ 'Fn::GetAtt': [executionRoleId, 'Arn'] });
  });

  it('lets the SageMaker execution role write async outputs and data capture under the artifact buckets, and notify prefixed topics', () => {
    const executionRoleId = sageMakerExecutionRoleId();
    const statements = statementsOfRole(executionRoleId);
    const writes = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    const written = JSON.stringify(writes.map((s) => s.Resource));
    // The stack's own artifact bucket, where the async health-check steps upload samples and read answers.
    const [artifactsId] = Object.keys(
      template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: Match.anyValue() } }),
    );
    expect(written).toContain(`"${artifactsId}","Arn"`);
    expect(actionsOf(statements).has('kms:GenerateDataKey')).toBe(true);
    const publishes = statements.filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publishes).toHaveLength(1);
    // The default stack has no resourceNamePrefix: any topic of its account and region.
    expect(JSON.stringify(publishes[0]?.Resource)).toMatch(/:sns:.*:\*"/);
  });

  it("lets only the autoscaling tasks create a service-linked role: Application Auto Scaling's for SageMaker", () => {
    const createRoles = Object.values(resourcesOf('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) =>
        [s.Action].flat().includes('iam:CreateServiceLinkedRole'),
      ),
    );
    // ApplyAutoScaling and RestoreAutoScaling register variants (SuspendAutoScaling only deregisters); the
    // component's Apply, Restore and Suspend (which registers the suspended state) register a component.
    expect(createRoles).toHaveLength(5);
    for (const statement of createRoles) {
      expect(statement.Condition).toEqual({
        StringLike: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' },
      });
      expect(JSON.stringify(statement.Resource)).toContain(
        ':role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
      );
    }
  });

  it('scopes SageMaker actions to endpoint, endpoint-config, model, inference-component, transform-job and recommendation-job ARNs, never to every resource', () => {
    for (const fn of Object.values(resourcesOf('AWS::Lambda::Function'))) {
      if (taskOf(fn) === undefined) continue;
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      for (const statement of statementsOfRole(roleId)) {
        const actions = [statement.Action].flat();
        const mutating = actions.filter((a) => /^sagemaker:(Create|Update|Delete|Invoke|AddTags)/.test(a));
        if (mutating.length > 0)
          expect(JSON.stringify(statement.Resource)).toMatch(
            /:(endpoint|endpoint-config|model|inference-component|transform-job|inference-recommendations-job)\//,
          );
      }
    }
  });

  it('runs DeployEndpoint as a Standard state machine with ALL logging and X-Ray tracing', () => {
    // The state machine tagged DeployEndpoint, and only it: not any machine that happens to match.
    const deployEndpointMachine = {
      Tags: Match.arrayWith([Match.objectLike({ Key: WORKFLOW_TAG_KEY, Value: deployEndpoint.name })]),
    };
    template.resourcePropertiesCountIs('AWS::StepFunctions::StateMachine', deployEndpointMachine, 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      ...deployEndpointMachine,
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('creates the project event bus and tells the publishing task its name', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'sagemaker-workflows' });
    const publisher = Object.values(resourcesOf('AWS::Lambda::Function')).find(
      (fn) => taskOf(fn) === 'PublishDeploymentEvent',
    );
    expect(JSON.stringify(publisher?.Properties.Environment)).toContain('EVENT_BUS_NAME');
  });

  it('encrypts the artifact bucket with a rotating KMS key and enforces TLS', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('runs every workflow as a Standard state machine, tagged with its name, with ALL logging and X-Ray tracing', () => {
    const machines = Object.values(resourcesOf('AWS::StepFunctions::StateMachine'));
    expect(machines.map((m) => tagOf(m, WORKFLOW_TAG_KEY)).sort()).toEqual(WORKFLOWS.map((w) => w.name).sort());
    for (const machine of machines) {
      expect(machine.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
        TracingConfiguration: { Enabled: true },
      });
    }
  });

  it('lets the packaging tasks use S3 only inside the artifact bucket, and tells them its name', () => {
    const [bucketId] = Object.keys(
      template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: {} } }),
    );
    for (const task of ['PackageModel', 'CopyUncompressedModel']) {
      const fn = Object.values(resourcesOf('AWS::Lambda::Function')).find((f) => taskOf(f) === task);
      expect(JSON.stringify(fn?.Properties.Environment)).toContain(`"ARTIFACT_BUCKET_NAME":{"Ref":"${bucketId}"}`);
      const roleId = (fn?.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0] ?? '';
      const s3Statements = statementsOfRole(roleId).filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));
      expect(s3Statements.length).toBeGreaterThan(0);
      for (const statement of s3Statements) expect(JSON.stringify(statement.Resource)).toContain(`"${bucketId}"`);
    }
  });

  it("starts the execution cleanup on every state machine's ABORTED and TIMED_OUT executions and RightSizeEndpoint's FAILED ones, with retries and a dead-letter queue", () => {
    const rules = Object.entries(resourcesOf('AWS::Events::Rule')).filter(([id]) =>
      id.startsWith('ExecutionCleanupRule'),
    );
    const cleanup = Object.entries(resourcesOf('AWS::Lambda::Function')).find(
      ([, fn]) => taskOf(fn) === 'ExecutionCleanup',
    );
    const machines = Object.keys(resourcesOf('AWS::StepFunctions::StateMachine'));

    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Resource];
    type StatusPattern = { status: string[]; stateMachineArn: unknown[] };
    const pattern = rule.Properties.EventPattern as { detail: { $or: [StatusPattern, StatusPattern] } };
    expect(pattern).toMatchObject({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
    });
    const [stopped, failed] = pattern.detail.$or;
    expect(stopped.status).toEqual(['ABORTED', 'TIMED_OUT']);
    expect(stopped.stateMachineArn).toEqual(machines.map((id) => ({ Ref: id })));
    expect(machines).toHaveLength(WORKFLOWS.length);
    // A failed execution of the one workflow that makes throwaways: the cleanup deletes what its own clean-up left.
    const rightSize = Object.entries(resourcesOf('AWS::StepFunctions::StateMachine')).find(
      ([, machine]) => tagOf(machine, WORKFLOW_TAG_KEY) === 'RightSizeEndpoint',
    );
    expect(failed).toEqual({ status: ['FAILED'], stateMachineArn: [{ Ref: rightSize?.[0] }] });
    const [target] = rule.Properties.Targets as { Arn: unknown; RetryPolicy: unknown; DeadLetterConfig: unknown }[];
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [cleanup?.[0], 'Arn'] });
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 });
    expect(target?.DeadLetterConfig).toBeDefined();
  });

  it("lets the lease steps write only the artifact bucket's leases/ prefix, and describe only the executions of this stack's state machines that take a lease", () => {
    const [bucketId] = Object.keys(
      template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: {} } }),
    );
    const machines = Object.entries(resourcesOf('AWS::StepFunctions::StateMachine'))
      .filter(([, machine]) =>
        JSON.stringify(machine.Properties.DefinitionString).includes(String.raw`\"AcquireEndpointLease\"`),
      )
      .map(([id]) => id)
      .sort();
    // DeployEndpoint, the multi-model, multi-container, serial pipeline and approved-package deployments, the
    // multi-model add and remove, and the inference component deployment and removal.
    expect(machines).toHaveLength(9);
    const roleOf = (task: string) => {
      const fn = Object.values(resourcesOf('AWS::Lambda::Function')).find((f) => taskOf(f) === task);
      return (fn?.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0] ?? '';
    };
    for (const task of ['AcquireEndpointLease', 'ReleaseEndpointLease']) {
      const s3Statements = statementsOfRole(roleOf(task)).filter((st) =>
        [st.Action].flat().some((a) => a.startsWith('s3:')),
      );
      expect(s3Statements.map((st) => st.Resource)).toEqual([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/leases/*']] },
      ]);
    }
    const describe = statementsOfRole(roleOf('DescribeLeaseHolder')).filter((st) =>
      [st.Action].flat().includes('states:DescribeExecution'),
    );
    expect(describe).toHaveLength(1);
    const described = ((describe[0]?.Resource ?? []) as { 'Fn::Join': [string, unknown[]] }[]).map((arn) => {
      const parts = arn['Fn::Join'][1];
      expect(parts).toContain(':execution:');
      return (
        parts.find((p) => typeof p === 'object' && p !== null && 'Fn::GetAtt' in p) as { 'Fn::GetAtt': [string] }
      )['Fn::GetAtt'][0];
    });
    expect(described.sort()).toEqual(machines);
  });

  it.each(WORKFLOWS.map((w) => w.name))('exports the %s state machine ARN for `smwf run --aws`', (name) => {
    template.hasOutput(`${name}StateMachineArn`, {});
  });
});
