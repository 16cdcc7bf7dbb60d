/**
 * Synthesizes the CDK app without bundling and extracts what the local runner needs: each state machine's
 * definition with `Fn::Join`/`Ref`/`Fn::GetAtt` resolved to local values, and each Lambda function's task
 * name (from its task tag) and environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app.ts';
import { TASK_NAMES, TASK_TAG_KEY, type TaskName } from '../../workflows/task-names.ts';
import { WORKFLOW_NAMES, type WorkflowName } from '../../workflows/workflow-names.ts';

/** The account and region the local ARNs use. */
export interface LocalAwsIdentity {
  readonly account: string;
  readonly region: string;
}

/** A synthesized Lambda function, mapped back to its task. */
export interface SynthesizedFunction {
  readonly logicalId: string;
  readonly arn: string;
  readonly task: TaskName;
  readonly timeoutSeconds: number;
  readonly environment: Readonly<Record<string, string>>;
}

/** What the runner runs. */
export interface SynthesizedWorkflows {
  readonly definitions: Readonly<Record<WorkflowName, Record<string, unknown>>>;
  readonly stateMachineArns: Readonly<Record<WorkflowName, string>>;
  /** By function ARN. */
  readonly functions: ReadonlyMap<string, SynthesizedFunction>;
  /** The stack's buckets, by their local names; a local run creates them in the emulator, as a deploy would. */
  readonly bucketNames: readonly string[];
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
        return `arn:aws:states:${region}:${account}:stateMachine:${id}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${localBucketName(id, resource)}`;
      default:
        throw new Error(`Fn::GetAtt Arn of unsupported resource ${id} (${resource?.Type ?? 'missing'})`);
    }
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
      if (attribute === 'Name') return refOf(id);
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

/** A bucket's name in local runs: its BucketName, or its logical id lower-cased (a valid S3 bucket name). */
function localBucketName(logicalId: string, resource: CfnResource): string {
  const name = resource.Properties?.BucketName;
  return typeof name === 'string' ? name : logicalId.toLowerCase();
}

function taskNameOf(resource: CfnResource): TaskName | undefined {
  const tags = (resource.Properties?.Tags ?? []) as { Key: string; Value: string }[];
  const value = tags.find((tag) => tag.Key === TASK_TAG_KEY)?.Value;
  return TASK_NAMES.find((name) => name === value);
}

/** Synthesizes the app (no bundling, no cdk-nag) and resolves what the local runner needs. */
export function synthesizeWorkflows(identity: LocalAwsIdentity): SynthesizedWorkflows {
  const outdir = mkdtempSync(join(tmpdir(), 'smwf-synth-'));
  try {
    const { app, stack } = buildApp({ skipBundling: true, outdir, nag: false });
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, CfnResource> };
    const resources = template.Resources;

    const functions = new Map<string, SynthesizedFunction>();
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const task = taskNameOf(resource);
      if (task === undefined) continue;
      const arn = resolveIntrinsics({ 'Fn::GetAtt': [logicalId, 'Arn'] }, resources, identity) as string;
      const variables = (resource.Properties?.Environment as { Variables?: unknown } | undefined)?.Variables ?? {};
      functions.set(arn, {
        logicalId,
        arn,
        task,
        timeoutSeconds: Number(resource.Properties?.Timeout ?? 3),
        environment: resolveIntrinsics(variables, resources, identity) as Record<string, string>,
      });
    }

    const definitions = {} as Record<WorkflowName, Record<string, unknown>>;
    const stateMachineArns = {} as Record<WorkflowName, string>;
    for (const name of WORKFLOW_NAMES) {
      const logicalId = Stack.of(stack).resolve(
        stack.getLogicalId(stack.stateMachines[name].node.defaultChild as never),
      );
      const resource = resources[logicalId as string];
      if (resource === undefined) throw new Error(`State machine ${name} is missing from the synthesized template`);
      const definition = resolveIntrinsics(resource.Properties?.DefinitionString, resources, identity);
      definitions[name] = JSON.parse(definition as string) as Record<string, unknown>;
      stateMachineArns[name] = `arn:aws:states:${identity.region}:${identity.account}:stateMachine:${name}`;
    }
    const bucketNames = Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::S3::Bucket')
      .map(([id, resource]) => localBucketName(id, resource));
    return { definitions, stateMachineArns, functions, bucketNames };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
