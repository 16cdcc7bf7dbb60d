/**
 * Synthesizes the CDK app without bundling and extracts what the local runner needs: each state machine's
 * definition with `Fn::Join`/`Ref`/`Fn::GetAtt` resolved to local values, and each Lambda function's task
 * name, handler module (from its tags) and environment. `loadSynthesizedWorkflows` caches the result on disk,
 * keyed by the sources that shape the stack, so a second `smwf run` (or the next test file) skips synthesis.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CODE_TAG_KEY, TASK_TAG_KEY, WORKFLOW_TAG_KEY } from '../../contracts/resource-tags.ts';
import { deploymentConfigPath } from '../../infra/deployment-config/load.ts';
import { projectRoot } from '../../infra/project-root.ts';
import type { PolicyStatement } from '../emulator/iam/policy.ts';

/** The account and region the local ARNs use. */
export interface LocalAwsIdentity {
  readonly account: string;
  readonly region: string;
}

/** The identity a local run uses unless told otherwise (the runner's default, `smwf diagram`'s, the tests'). */
export const DEFAULT_LOCAL_IDENTITY: LocalAwsIdentity = { account: '123456789012', region: 'us-east-1' };

/** A synthesized Lambda function, mapped back to its task. */
export interface SynthesizedFunction {
  readonly logicalId: string;
  readonly arn: string;
  /** The task's name (its `sagemaker-workflows:task` tag). */
  readonly task: string;
  /** The handler module, relative to the project root (its `sagemaker-workflows:code` tag). */
  readonly code: string;
  readonly timeoutSeconds: number;
  readonly environment: Readonly<Record<string, string>>;
  /** The ARN of the function's execution role (its IAM identity): a key of `SynthesizedWorkflows.roles`. */
  readonly roleArn?: string;
}

export type { PolicyStatement };

/** An IAM role of the stack and every statement of the policies attached to it, intrinsics resolved. */
export interface SynthesizedRole {
  readonly arn: string;
  /** The role's name in local runs (its logical id, as the role's ARN ends). */
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
}

/** A bucket of the stack whose objects S3 encrypts by default with a KMS key (SSE-KMS). */
interface SynthesizedBucketEncryption {
  readonly bucket: string;
  readonly kmsKeyArn: string;
}

/** What the runner runs. */
export interface SynthesizedWorkflows {
  /** Each state machine's definition, by workflow name. */
  readonly definitions: Readonly<Record<string, Record<string, unknown>>>;
  readonly stateMachineArns: Readonly<Record<string, string>>;
  /** By function ARN. */
  readonly functions: ReadonlyMap<string, SynthesizedFunction>;
  /** The stack's buckets, by their local names; a local run creates them in the emulator, as a deploy would. */
  readonly bucketNames: readonly string[];
  /** The stack's DynamoDB tables (their local names and partition keys); a local run creates them too. */
  readonly tables: readonly SynthesizedTable[];
  /** The stack's EventBridge rules (AWS::Events::Rule), intrinsics resolved; the local trigger engine runs them. */
  readonly rules: readonly SynthesizedRule[];
  /** The stack's EventBridge Scheduler schedules (AWS::Scheduler::Schedule), intrinsics resolved. */
  readonly schedules: readonly SynthesizedSchedule[];
  /** The stack's IAM roles with their policies, by ARN: what the local permission checks evaluate. */
  readonly roles: Readonly<Record<string, SynthesizedRole>>;
  /** The stack's buckets encrypted by default with a KMS key. */
  readonly encryptedBuckets: readonly SynthesizedBucketEncryption[];
}

/** One target of a rule, as CloudFormation's AWS::Events::Rule Target (intrinsics resolved). */
export interface SynthesizedRuleTarget {
  readonly Id: string;
  readonly Arn: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
  readonly RetryPolicy?: { readonly MaximumRetryAttempts?: number; readonly MaximumEventAgeInSeconds?: number };
  readonly DeadLetterConfig?: { readonly Arn?: string };
  readonly [other: string]: unknown;
}

/** An EventBridge rule of the stack. */
export interface SynthesizedRule {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The bus's name (`default` when the rule names none). */
  readonly eventBusName: string;
  /** ENABLED unless the template says otherwise. */
  readonly state: string;
  readonly eventPattern?: unknown;
  readonly scheduleExpression?: string;
  readonly targets: readonly SynthesizedRuleTarget[];
}

/** An EventBridge Scheduler schedule of the stack. */
export interface SynthesizedSchedule {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly state: string;
  readonly startDate?: string;
  readonly endDate?: string;
  readonly flexibleTimeWindow: { readonly Mode: string; readonly MaximumWindowInMinutes?: number };
  readonly target: {
    readonly Arn: string;
    readonly Input?: string;
    readonly RetryPolicy?: { readonly MaximumRetryAttempts?: number; readonly MaximumEventAgeInSeconds?: number };
    readonly DeadLetterConfig?: { readonly Arn?: string };
    readonly [other: string]: unknown;
  };
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** Resolves the CloudFormation intrinsics CDK emits in definitions and environments to local values. */
export function resolveIntrinsics(
  value: unknown,
  resources: Readonly<Record<string, CfnResource>>,
  identity: LocalAwsIdentity,
): unknown {
  const { account, region } = identity;
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'SageMakerWorkflows',
  };
  const refOf = (id: string): string => {
    if (pseudo[id] !== undefined) return pseudo[id];
    const resource = resources[id];
    if (resource === undefined) throw new Error(`Ref to unknown resource ${id}`);
    if (resource.Type === 'AWS::S3::Bucket') return localBucketName(id, resource);
    if (resource.Type === 'AWS::DynamoDB::Table') return localTableName(id, resource);
    // These resources' Ref is their ARN (a dispatcher's STATE_MACHINE_ARN, for one).
    if (resource.Type === 'AWS::StepFunctions::StateMachine' || resource.Type === 'AWS::SNS::Topic') return arnOf(id);
    const name = resource.Properties?.Name;
    return typeof name === 'string' ? name : id;
  };
  const arnOf = (id: string): string => {
    const resource = resources[id];
    switch (resource?.Type) {
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${id}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${id}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${account}:event-bus/${refOf(id)}`;
      case 'AWS::StepFunctions::StateMachine':
        // Named as the local runner names it: by its workflow.
        return localStateMachineArn(tagOf(resource, WORKFLOW_TAG_KEY) ?? id, identity);
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${account}:${resource.Properties?.QueueName ?? id}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${resource.Properties?.TopicName ?? id}`;
      case 'AWS::Events::Rule':
        return ruleArn(id, resource, refOf, identity);
      case 'AWS::Scheduler::Schedule':
        return `arn:aws:scheduler:${region}:${account}:schedule/${resource.Properties?.GroupName ?? 'default'}/${resource.Properties?.Name ?? id}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${localBucketName(id, resource)}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${account}:table/${localTableName(id, resource)}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${id}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${resource.Properties?.LogGroupName ?? id}:*`;
      default:
        throw new Error(`Fn::GetAtt Arn of unsupported resource ${id} (${resource?.Type ?? 'missing'})`);
    }
  };
  // A state machine's Name is the one the local runner gives it (its workflow, as in its ARN); other resources' is their Ref.
  const nameOf = (id: string): string => {
    const resource = resources[id];
    if (resource?.Type === 'AWS::StepFunctions::StateMachine') return tagOf(resource, WORKFLOW_TAG_KEY) ?? id;
    return refOf(id);
  };
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    const obj = node as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && typeof obj.Ref === 'string') return refOf(obj.Ref);
    if (keys.length === 1 && Array.isArray(obj['Fn::GetAtt'])) {
      const [id, attribute] = obj['Fn::GetAtt'] as [string, string];
      if (attribute === 'Arn') return arnOf(id);
      if (attribute === 'Name') return nameOf(id);
      throw new Error(`Unsupported Fn::GetAtt ${id}.${attribute}`);
    }
    if (keys.length === 1 && Array.isArray(obj['Fn::Join'])) {
      const [separator, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    return Object.fromEntries(keys.map((key) => [key, resolve(obj[key])]));
  };
  return resolve(value);
}

/** A state machine's ARN in local runs: named after its workflow, as `stateMachineArns` lists it. */
export function localStateMachineArn(workflow: string, identity: LocalAwsIdentity): string {
  return `arn:aws:states:${identity.region}:${identity.account}:stateMachine:${workflow}`;
}

function ruleArn(
  id: string,
  resource: CfnResource,
  refOf: (id: string) => string,
  { region, account }: LocalAwsIdentity,
): string {
  const bus = resource.Properties?.EventBusName;
  const busName = typeof bus === 'object' && bus !== null && 'Ref' in bus ? refOf(String(bus.Ref)) : bus;
  const name = resource.Properties?.Name ?? id;
  const path = busName === undefined || busName === 'default' ? name : `${String(busName).split('/').at(-1)}/${name}`;
  return `arn:aws:events:${region}:${account}:rule/${path}`;
}

/** A bucket's name in local runs: its BucketName, or its logical id lower-cased (a valid S3 bucket name). */
/** One DynamoDB table of the stack. */
export interface SynthesizedTable {
  readonly name: string;
  /** Its partition key (a string attribute). */
  readonly partitionKey: string;
  /** The attribute its time to live reads, when enabled (TimeToLiveSpecification). */
  readonly timeToLiveAttribute?: string;
}

/** A table's local name: the one it is given, else its logical id. */
function localTableName(logicalId: string, resource: CfnResource): string {
  const name = resource.Properties?.TableName;
  return typeof name === 'string' ? name : logicalId;
}

function localBucketName(logicalId: string, resource: CfnResource): string {
  const name = resource.Properties?.BucketName;
  return typeof name === 'string' ? name : logicalId.toLowerCase();
}

function tagOf(resource: CfnResource, key: string): string | undefined {
  const tags = (resource.Properties?.Tags ?? []) as { Key: string; Value: string }[];
  return tags.find((tag) => tag.Key === key)?.Value;
}

/** A synthesized stack: its CloudFormation template, and cdk-nag's report when the checks ran. */
export interface SynthesizedStack {
  readonly template: { Resources: Record<string, CfnResource> } & Record<string, unknown>;
  /** CDK's validation report (validation-report.json) when validation plugins ran. */
  readonly nagReport?: unknown;
}

/**
 * Synthesizes the app without bundling (aws-cdk-lib is loaded only here). `build` replaces the default app
 * (tests of a stack with other workflows or props). With `checks`, the default app runs the synthesis checks: the
 * cdk-nag AwsSolutions rules (a finding nobody acknowledged fails the synthesis, "Validation failed") and CDK's
 * built-in CloudFormation validation, and their report is returned. Without, it runs neither: the local runner
 * reads the definitions only, and CDK's validation alone costs about 10 CPU-seconds per process.
 */
export async function synthesizeStack(
  options: {
    readonly checks?: boolean;
    readonly build?: (outdir: string) => { app: import('aws-cdk-lib').App; stack: import('aws-cdk-lib').Stack };
    /** The deployment config file the default app reads. @default - deploymentConfigPath() */
    readonly deploymentConfig?: string;
  } = {},
): Promise<SynthesizedStack> {
  const outdir = mkdtempSync(join(tmpdir(), 'smwf-synth-'));
  try {
    const { buildApp } = await import('../../infra/build-app.ts');
    const { app, stack } = options.build
      ? options.build(outdir)
      : buildApp({
          skipBundling: true,
          outdir,
          nag: options.checks ?? false,
          cloudFormationValidation: options.checks ?? false,
          ...(options.deploymentConfig !== undefined ? { deploymentConfig: options.deploymentConfig } : {}),
        });
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as SynthesizedStack['template'];
    let nagReport: unknown;
    try {
      nagReport = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    } catch {
      nagReport = undefined;
    }
    return { template, ...(nagReport !== undefined ? { nagReport } : {}) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Synthesizes the app (or the one `build` makes) and resolves what the local runner needs. */
export async function synthesizeWorkflows(
  identity: LocalAwsIdentity,
  build?: (outdir: string) => { app: import('aws-cdk-lib').App; stack: import('aws-cdk-lib').Stack },
): Promise<SynthesizedWorkflows> {
  const { template } = await synthesizeStack(build ? { build } : {});
  return fromTemplate(template.Resources, identity);
}

function fromTemplate(resources: Record<string, CfnResource>, identity: LocalAwsIdentity): SynthesizedWorkflows {
  const functions = new Map<string, SynthesizedFunction>();
  const definitions: Record<string, Record<string, unknown>> = {};
  const stateMachineArns: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::Lambda::Function') {
      // Task functions carry both tags; other project functions (a rule's dispatcher) only the code tag.
      const code = tagOf(resource, CODE_TAG_KEY);
      if (code === undefined) continue;
      const task = tagOf(resource, TASK_TAG_KEY) ?? logicalId;
      const arn = resolveIntrinsics({ 'Fn::GetAtt': [logicalId, 'Arn'] }, resources, identity) as string;
      const variables = (resource.Properties?.Environment as { Variables?: unknown } | undefined)?.Variables ?? {};
      const role = resource.Properties?.Role;
      functions.set(arn, {
        logicalId,
        arn,
        task,
        code,
        timeoutSeconds: Number(resource.Properties?.Timeout ?? 3),
        environment: resolveIntrinsics(variables, resources, identity) as Record<string, string>,
        ...(role !== undefined ? { roleArn: String(resolveIntrinsics(role, resources, identity)) } : {}),
      });
    } else if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      const name = tagOf(resource, WORKFLOW_TAG_KEY);
      if (name === undefined) continue;
      const definition = resolveIntrinsics(resource.Properties?.DefinitionString, resources, identity);
      definitions[name] = JSON.parse(definition as string) as Record<string, unknown>;
      stateMachineArns[name] = localStateMachineArn(name, identity);
    }
  }
  const bucketNames = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::S3::Bucket')
    .map(([id, resource]) => localBucketName(id, resource));
  const tables = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table')
    .map(([id, resource]) => {
      const keys = (resource.Properties?.KeySchema ?? []) as { AttributeName: string; KeyType: string }[];
      const ttl = resource.Properties?.TimeToLiveSpecification as
        | { AttributeName?: string; Enabled?: boolean }
        | undefined;
      return {
        name: localTableName(id, resource),
        partitionKey: keys.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '',
        ...(ttl?.Enabled === true && ttl.AttributeName !== undefined ? { timeToLiveAttribute: ttl.AttributeName } : {}),
      };
    });
  return {
    definitions,
    stateMachineArns,
    functions,
    bucketNames,
    tables,
    rules: rulesOf(resources, identity),
    schedules: schedulesOf(resources, identity),
    roles: rolesOf(resources, identity),
    encryptedBuckets: encryptedBucketsOf(resources, identity),
  };
}

/**
 * Every IAM role of the stack with the statements of its inline policies (`Policies`) and of the AWS::IAM::Policy
 * resources attached to it. Managed policies are refused: their statements are not in the template.
 */
function rolesOf(resources: Record<string, CfnResource>, identity: LocalAwsIdentity): Record<string, SynthesizedRole> {
  const statements = new Map<string, PolicyStatement[]>();
  const statementsOf = (document: unknown): PolicyStatement[] => {
    const resolved = resolveIntrinsics(document, resources, identity) as { Statement?: unknown } | undefined;
    const list = resolved?.Statement;
    return (Array.isArray(list) ? list : list === undefined ? [] : [list]) as PolicyStatement[];
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    if (resource.Properties?.ManagedPolicyArns !== undefined) {
      throw new Error(`Role ${logicalId} has managed policies, which the local permission checks cannot read`);
    }
    const inline = (resource.Properties?.Policies ?? []) as { PolicyDocument?: unknown }[];
    statements.set(
      logicalId,
      inline.flatMap((policy) => statementsOf(policy.PolicyDocument)),
    );
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    for (const role of (resource.Properties?.Roles ?? []) as unknown[]) {
      const roleId = typeof role === 'object' && role !== null && 'Ref' in role ? String(role.Ref) : undefined;
      const attached = roleId === undefined ? undefined : statements.get(roleId);
      if (attached === undefined) throw new Error(`Policy ${logicalId} is attached to a role not in the stack`);
      attached.push(...statementsOf(resource.Properties?.PolicyDocument));
    }
  }
  const roles: Record<string, SynthesizedRole> = {};
  for (const [logicalId, roleStatements] of statements) {
    const arn = resolveIntrinsics({ 'Fn::GetAtt': [logicalId, 'Arn'] }, resources, identity) as string;
    roles[arn] = { arn, name: logicalId, statements: roleStatements };
  }
  return roles;
}

/** The stack's buckets whose default encryption is SSE-KMS, with their keys. */
function encryptedBucketsOf(
  resources: Record<string, CfnResource>,
  identity: LocalAwsIdentity,
): SynthesizedBucketEncryption[] {
  const found: SynthesizedBucketEncryption[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::S3::Bucket') continue;
    const encryption = resolveIntrinsics(resource.Properties?.BucketEncryption ?? {}, resources, identity) as {
      ServerSideEncryptionConfiguration?: {
        ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
      }[];
    };
    for (const rule of encryption.ServerSideEncryptionConfiguration ?? []) {
      const byDefault = rule.ServerSideEncryptionByDefault;
      if (byDefault?.SSEAlgorithm === 'aws:kms' && byDefault.KMSMasterKeyID !== undefined) {
        found.push({ bucket: localBucketName(logicalId, resource), kmsKeyArn: byDefault.KMSMasterKeyID });
      }
    }
  }
  return found;
}

function rulesOf(resources: Record<string, CfnResource>, identity: LocalAwsIdentity): SynthesizedRule[] {
  const rules: SynthesizedRule[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const props = resolveIntrinsics(resource.Properties ?? {}, resources, identity) as Record<string, unknown>;
    const pattern = props.EventPattern;
    rules.push({
      logicalId,
      name: typeof props.Name === 'string' ? props.Name : logicalId,
      arn: resolveIntrinsics({ 'Fn::GetAtt': [logicalId, 'Arn'] }, resources, identity) as string,
      eventBusName:
        typeof props.EventBusName === 'string' ? (props.EventBusName.split('/').at(-1) as string) : 'default',
      state: typeof props.State === 'string' ? props.State : 'ENABLED',
      ...(pattern !== undefined ? { eventPattern: typeof pattern === 'string' ? JSON.parse(pattern) : pattern } : {}),
      ...(typeof props.ScheduleExpression === 'string' ? { scheduleExpression: props.ScheduleExpression } : {}),
      targets: (props.Targets ?? []) as SynthesizedRuleTarget[],
    });
  }
  return rules;
}

function schedulesOf(resources: Record<string, CfnResource>, identity: LocalAwsIdentity): SynthesizedSchedule[] {
  const schedules: SynthesizedSchedule[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Scheduler::Schedule') continue;
    const props = resolveIntrinsics(resource.Properties ?? {}, resources, identity) as Record<string, unknown>;
    schedules.push({
      logicalId,
      name: typeof props.Name === 'string' ? props.Name : logicalId,
      arn: resolveIntrinsics({ 'Fn::GetAtt': [logicalId, 'Arn'] }, resources, identity) as string,
      expression: String(props.ScheduleExpression),
      timeZone: typeof props.ScheduleExpressionTimezone === 'string' ? props.ScheduleExpressionTimezone : 'UTC',
      state: typeof props.State === 'string' ? props.State : 'ENABLED',
      ...(typeof props.StartDate === 'string' ? { startDate: props.StartDate } : {}),
      ...(typeof props.EndDate === 'string' ? { endDate: props.EndDate } : {}),
      flexibleTimeWindow: (props.FlexibleTimeWindow ?? { Mode: 'OFF' }) as SynthesizedSchedule['flexibleTimeWindow'],
      target: props.Target as SynthesizedSchedule['target'],
    });
  }
  return schedules;
}

/**
 * Bumped when the cached form changes, or how a template resolves into it (4: a state machine's Name; 5: a table's time
 * to live).
 */
const CACHE_FORMAT = 5;

/** Where synthesized workflows are cached (wiped by `npm ci`, like every cache under node_modules/.cache). */
export const synthesisCacheDir = join(projectRoot, 'node_modules', '.cache', 'sagemaker-workflows');

/** The files that shape the synthesized stack: infra, workflows, the task registry, and the pinned CDK version. */
function synthesisSources(): string[] {
  const files: string[] = [join(projectRoot, 'package-lock.json')];
  const walk = (dir: string, keep: (path: string) => boolean) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, keep);
      else if (keep(path)) files.push(path);
    }
  };
  const isTs = (path: string) => path.endsWith('.ts');
  walk(join(projectRoot, 'infra'), isTs);
  walk(join(projectRoot, 'workflows'), isTs);
  // Of the tasks, only what infra reads: the registry and each step's registration (never handler code).
  walk(join(projectRoot, 'tasks'), (path) =>
    /(^|\/)(registry|registration|task-registration)\.ts$/.test(relative(projectRoot, path)),
  );
  return files.sort();
}

/** The real path of a file, or the path itself when it cannot be resolved (a missing file). */
function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The cache key: a hash of every synthesis source, the deployment config file buildApp reads (its path and
 * content: schedules and rules come from it), the identity and the cache format. `config` is that file, by
 * default the one buildApp finds (SMWF_CONFIG, else the project root's smwf.config.json, else none).
 */
export function synthesisKey(identity: LocalAwsIdentity, config = deploymentConfigPath()): string {
  const hash = createHash('sha256').update(JSON.stringify({ CACHE_FORMAT, identity }));
  for (const file of synthesisSources()) {
    hash.update(relative(projectRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  if (config !== undefined) {
    let content: Buffer | string;
    try {
      content = readFileSync(config);
    } catch {
      content = 'unreadable'; // Synthesis reports it, naming the file.
    }
    // The file's real path: the same file reached through a symbolic link (a linked checkout) is the same synthesis.
    hash.update('deployment-config\0').update(realPathOf(config)).update('\0').update(content);
  }
  return hash.digest('hex').slice(0, 32);
}

interface CachedForm {
  definitions: Record<string, Record<string, unknown>>;
  stateMachineArns: Record<string, string>;
  functions: SynthesizedFunction[];
  bucketNames: string[];
  tables: SynthesizedTable[];
  rules: SynthesizedRule[];
  schedules: SynthesizedSchedule[];
  roles: Record<string, SynthesizedRole>;
  encryptedBuckets: SynthesizedBucketEncryption[];
}

/** The cache file of the stack synthesized with `config` (by default, the deployment config file now in force). */
function synthesisCacheFile(identity: LocalAwsIdentity, config?: string): string {
  return join(synthesisCacheDir, `synth-${synthesisKey(identity, config ?? deploymentConfigPath())}.json`);
}

/**
 * Writes the runner's form of a synthesized default stack to the cache, as loadSynthesizedWorkflows reads it.
 * `file` is the cache file of the sources the stack was synthesized from (by default, of the sources as they are now).
 */
export function cacheSynthesizedWorkflows(
  identity: LocalAwsIdentity,
  stack: SynthesizedStack,
  file = synthesisCacheFile(identity),
): SynthesizedWorkflows {
  const synthesized = fromTemplate(stack.template.Resources, identity);
  const form: CachedForm = {
    definitions: { ...synthesized.definitions },
    stateMachineArns: { ...synthesized.stateMachineArns },
    functions: [...synthesized.functions.values()],
    bucketNames: [...synthesized.bucketNames],
    tables: [...synthesized.tables],
    rules: [...synthesized.rules],
    schedules: [...synthesized.schedules],
    roles: { ...synthesized.roles },
    encryptedBuckets: [...synthesized.encryptedBuckets],
  };
  mkdirSync(synthesisCacheDir, { recursive: true });
  // Written whole, then renamed: a concurrent reader sees the old file or the new one, never half of one.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(form));
  renameSync(partial, file);
  return synthesized;
}

/**
 * The synthesized default stack, from the cache when its sources have not changed since it was written, else
 * synthesized now and cached. A miss costs a synthesis (seconds); a hit costs hashing the sources (milliseconds).
 * `deploymentConfig` names the deployment config file to build it with, instead of the one buildApp finds.
 */
export async function loadSynthesizedWorkflows(
  identity: LocalAwsIdentity,
  options: { readonly deploymentConfig?: string } = {},
): Promise<SynthesizedWorkflows> {
  // Hashed once, before synthesizing: a miss writes the cache under the key of the sources it synthesized.
  const file = synthesisCacheFile(identity, options.deploymentConfig);
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as CachedForm;
    return { ...cached, functions: new Map(cached.functions.map((fn) => [fn.arn, fn])) };
  } catch {
    // Not cached yet (or unreadable): synthesize below.
  }
  return cacheSynthesizedWorkflows(identity, await synthesizeStack(options), file);
}
