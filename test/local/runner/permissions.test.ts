/**
 * Local IAM (local/runner/permissions): policies evaluated as IAM evaluates them, denied calls surfacing through the
 * real SDK clients as AWS's errors, and each call attributed to the step that made it, also when a Map runs steps
 * at once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelCommand,
  DescribeEndpointCommand,
  ListDomainsCommand,
  SageMakerClient,
  SageMakerServiceException,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evaluate, UnsupportedPolicyError } from '../../../local/emulator/iam/policy.ts';
import { type Emulator, startEmulator } from '../../../local/emulator/index.ts';
import { useLocalEmulator } from '../../../local/runner/local-aws-env.ts';
import {
  type Caller,
  checkedClientBase,
  installPermissionChecks,
  permissionsEnabledByEnvironment,
  runAs,
} from '../../../local/runner/permissions/enforcement.ts';
import { PERMISSION_USAGE_DIR_ENV } from '../../../local/runner/permissions/usage-dir.ts';
import { createLocalRunner } from '../../../local/runner/runner.ts';
import {
  loadSynthesizedWorkflows,
  type PolicyStatement,
  type SynthesizedWorkflows,
} from '../../../local/runner/synthesize.ts';
import { RequestSigner } from '../../../tasks/generate-load/signed-requests.ts';

const ACCOUNT = '123456789012';
const ENDPOINT_ARNS = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/*`;

describe('policy evaluation', () => {
  const allow = (Action: string | string[], Resource: string | string[], extra: Partial<PolicyStatement> = {}) =>
    ({ Effect: 'Allow', Action, Resource, ...extra }) as PolicyStatement;

  it('matches actions case-insensitively and with wildcards, resources by their ARN', () => {
    const statements = [allow('SageMaker:Describe*', ENDPOINT_ARNS)];

    expect(
      evaluate(statements, {
        action: 'sagemaker:DescribeEndpoint',
        resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/a`,
      }),
    ).toBe('allowed');
    expect(
      evaluate(statements, {
        action: 'sagemaker:DescribeEndpoint',
        resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint-config/a`,
      }),
    ).toBe('implicit-deny');
    expect(
      evaluate(statements, {
        action: 'sagemaker:DescribeEndpoint',
        resource: `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:endpoint/a`,
      }),
    ).toBe('implicit-deny');
  });

  it('lets an explicit deny win over an allow', () => {
    const statements = [
      allow('s3:*', '*'),
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::b/*' } as PolicyStatement,
    ];

    expect(evaluate(statements, { action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' })).toBe('explicit-deny');
    expect(evaluate(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).toBe('allowed');
  });

  it('evaluates the iam:PassedToService condition CDK writes for iam:PassRole', () => {
    const statements = [
      allow('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/Exec`, {
        Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    ];
    const request = { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/Exec` };

    expect(evaluate(statements, { ...request, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } })).toBe(
      'allowed',
    );
    expect(evaluate(statements, { ...request, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } })).toBe(
      'implicit-deny',
    );
    expect(evaluate(statements, request)).toBe('implicit-deny');
  });

  it('refuses a condition operator it does not evaluate rather than guess', () => {
    const statements = [allow('s3:GetObject', '*', { Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020' } } })];

    expect(() => evaluate(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).toThrow(
      UnsupportedPolicyError,
    );
  });
});

let emulator: Emulator;
let stateDir: string;
let usageDir: string;
const runUsageDir = process.env[PERMISSION_USAGE_DIR_ENV];

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'smwf-permissions-'));
  // This file's probes record their usage apart from the run's, which the coverage report reads.
  usageDir = join(stateDir, 'usage');
  process.env[PERMISSION_USAGE_DIR_ENV] = usageDir;
  emulator = await startEmulator({ port: 0, stateDir });
  useLocalEmulator(emulator.url);
});

afterAll(async () => {
  if (runUsageDir === undefined) delete process.env[PERMISSION_USAGE_DIR_ENV];
  else process.env[PERMISSION_USAGE_DIR_ENV] = runUsageDir;
  await emulator?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** A caller whose role has `statements`, as the runner makes one for a function. */
function callerWith(statements: PolicyStatement[], task = 'Probe'): Caller {
  return {
    fn: {
      logicalId: `${task}Fn`,
      arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${task}Fn`,
      task,
      code: 'x.ts',
      timeoutSeconds: 10,
      environment: {},
    },
    role: { arn: `arn:aws:iam::${ACCOUNT}:role/${task}Role`, name: `${task}Role`, statements },
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${task}Role/${task}Fn`,
    account: ACCOUNT,
    bucketKeys: new Map([['sealed', `arn:aws:kms:us-east-1:${ACCOUNT}:key/k1`]]),
  };
}

describe('a call denied by the caller role', () => {
  const caller = callerWith([
    { Effect: 'Allow', Action: 'sagemaker:DescribeEndpoint', Resource: ENDPOINT_ARNS },
    { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::sealed/*' },
  ]);

  it('fails as SageMaker fails it: AccessDeniedException, HTTP 400, naming principal, action and resource', async () => {
    const sagemaker = new SageMakerClient({});

    const error = await runAs(caller, () =>
      sagemaker.send(
        new CreateModelCommand({ ModelName: 'Churn', ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/x` }),
      ),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SageMakerServiceException);
    expect(error).toMatchObject({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message:
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/ProbeRole/ProbeFn is not authorized to perform: ` +
        `sagemaker:CreateModel on resource: arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/churn ` +
        'because no identity-based policy allows the sagemaker:CreateModel action',
    });
    // Nothing reached the emulator.
    expect(await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'x' })).catch((e: Error) => e.name)).toBe(
      'ValidationException',
    );
  });

  it('fails as S3 fails it: AccessDenied, HTTP 403, the resource quoted; a HEAD has no body', async () => {
    const s3 = new S3Client({ forcePathStyle: true });

    const get = await runAs(caller, () => s3.send(new GetObjectCommand({ Bucket: 'sealed', Key: 'a/b.json' }))).catch(
      (e: unknown) => e,
    );
    const head = await runAs(caller, () => s3.send(new HeadObjectCommand({ Bucket: 'sealed', Key: 'a/b.json' }))).catch(
      (e: unknown) => e,
    );

    expect(get).toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message:
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/ProbeRole/ProbeFn is not authorized to perform: s3:GetObject ` +
        'on resource: "arn:aws:s3:::sealed/a/b.json" because no identity-based policy allows the s3:GetObject action',
    });
    expect(head).toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  it('checks what S3 does on the caller behalf: an upload to an SSE-KMS bucket needs kms:GenerateDataKey', async () => {
    const s3 = new S3Client({ forcePathStyle: true });

    const error = await runAs(caller, () =>
      s3.send(new PutObjectCommand({ Bucket: 'sealed', Key: 'a.txt', Body: 'x' })),
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining(
        `kms:GenerateDataKey on resource: "arn:aws:kms:us-east-1:${ACCOUNT}:key/k1" because no identity-based policy`,
      ),
    });
  });

  it('fails on SageMaker Runtime and EventBridge as AccessDeniedException too', async () => {
    const invoke = await runAs(caller, () =>
      new SageMakerRuntimeClient({}).send(new InvokeEndpointCommand({ EndpointName: 'e', Body: '1' })),
    ).catch((e: unknown) => e);
    const publish = await runAs(caller, () =>
      new EventBridgeClient({}).send(
        new PutEventsCommand({ Entries: [{ EventBusName: 'bus', Source: 's', DetailType: 'd', Detail: '{}' }] }),
      ),
    ).catch((e: unknown) => e);

    expect(invoke).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        `sagemaker:InvokeEndpoint on resource: arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/e because`,
      ),
    });
    expect(publish).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        `events:PutEvents on resource: arn:aws:events:us-east-1:${ACCOUNT}:event-bus/bus`,
      ),
    });
  });

  it('checks a request a step signs and sends itself (the load generator) as the SDK client would', async () => {
    const signer = new RequestSigner();
    const request = { EndpointName: 'e', Body: new TextEncoder().encode('1'), ContentType: 'text/csv' };

    const denied = await runAs(caller, () => signer.sign(request)).catch((e: unknown) => e);
    const allowed = await runAs(
      callerWith([{ Effect: 'Allow', Action: 'sagemaker:InvokeEndpoint', Resource: ENDPOINT_ARNS }], 'Loader'),
      () => signer.sign(request),
    );

    expect(denied).toMatchObject({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining(
        `sagemaker:InvokeEndpoint on resource: arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/e because`,
      ),
    });
    expect(allowed.path).toBe('/endpoints/e/invocations');
    const usage = readFileSync(join(usageDir, `${process.pid}.jsonl`), 'utf8');
    expect(usage).toContain('{"task":"Loader","action":"sagemaker:InvokeEndpoint"}');
  });

  it('lets an allowed call through to the service and records the action it used', async () => {
    const error = await runAs(caller, () =>
      new SageMakerClient({}).send(new DescribeEndpointCommand({ EndpointName: 'missing' })),
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^Could not find endpoint/),
    });
    const usage = readFileSync(join(usageDir, `${process.pid}.jsonl`), 'utf8');
    expect(usage).toContain('{"task":"Probe","action":"sagemaker:DescribeEndpoint"}');
  });

  it('fails loudly on an operation it cannot map to IAM actions, instead of letting it through', async () => {
    const error = await runAs(caller, () => new SageMakerClient({}).send(new ListDomainsCommand({}))).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({
      name: 'UnmappedOperationError',
      message: expect.stringContaining('SageMakerClient ListDomains is not mapped to IAM actions'),
    });
  });

  it('checks nothing outside a step (test code, the CLI)', async () => {
    const error = await new SageMakerClient({})
      .send(new CreateModelCommand({ ModelName: 'outside', ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/x` }))
      .catch((e: unknown) => e);

    expect((error as Error).name).not.toBe('AccessDeniedException');
  });
});

describe('the checks', () => {
  it('are on unless SMWF_PERMISSIONS turns them off', () => {
    expect(permissionsEnabledByEnvironment({})).toBe(true);
    expect(permissionsEnabledByEnvironment({ SMWF_PERMISSIONS: 'off' })).toBe(false);
  });

  it('cover every AWS SDK client the project depends on: each shares the client base they are installed on', async () => {
    installPermissionChecks();
    const manifest = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const clients = Object.keys(manifest.dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));
    const require = createRequire(import.meta.url);

    for (const name of clients) {
      const module = (await import(require.resolve(name))) as { __Client: unknown };
      expect(module.__Client, name).toBe(checkedClientBase);
    }
    expect(clients.length).toBeGreaterThan(5);
  });

  it('are installed once per process: a second copy of their module checks each call once, with its own callers', async () => {
    installPermissionChecks();
    // A second copy, as a test file with fresh modules loads it in a shared process (test/fresh-modules.ts).
    vi.resetModules();
    const copy = await import('../../../local/runner/permissions/enforcement.ts');
    expect(copy.runAs).not.toBe(runAs);
    try {
      copy.installPermissionChecks();
      const sagemaker = new SageMakerClient({});
      const error = await copy
        .runAs(callerWith([]), () => sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'x' })))
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
      const checks = sagemaker.middlewareStack
        .identify()
        .filter((entry) => entry.startsWith('smwfLocalPermissionCheck'));
      expect(checks).toHaveLength(1);
    } finally {
      // This file's own copy checks its later calls again.
      installPermissionChecks();
    }
  });
});

describe('steps running at once in a Map', () => {
  let synthesized: SynthesizedWorkflows;

  beforeAll(async () => {
    synthesized = await loadSynthesizedWorkflows({ account: ACCOUNT, region: 'us-east-1' });
  });

  const arnOf = (task: string) => {
    const fn = [...synthesized.functions.values()].find((f) => f.task === task);
    if (fn === undefined) throw new Error(`no function for ${task}`);
    return fn.arn;
  };
  const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 20));

  it('are each checked as themselves', async () => {
    // Each item runs GetEndpointStatus (DescribeEndpoint only) and PublishDeploymentEvent (PutEvents only), both as
    // tasks of the same Map, interleaved; an item asking a step for the other's call is refused, naming that step.
    const task = (fn: string, next?: string) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: arnOf(fn), 'Payload.$': '$' },
      OutputPath: '$.Payload',
      ...(next ? { Next: next } : { End: true }),
    });
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 0,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Describe',
            States: {
              Describe: task('GetEndpointStatus', 'Publish'),
              Publish: task('PublishDeploymentEvent'),
            },
          },
          End: true,
        },
      },
    };
    const describeCall = async () => {
      await pause();
      // Allowed, it reaches the emulator, which knows no such endpoint.
      return new SageMakerClient({})
        .send(new DescribeEndpointCommand({ EndpointName: 'nowhere' }))
        .catch((e: Error) => (e.name === 'ValidationException' ? e.name : Promise.reject(e)));
    };
    const publishCall = async () => {
      await pause();
      await new EventBridgeClient({}).send(
        new PutEventsCommand({
          Entries: [{ EventBusName: 'sagemaker-workflows', Source: 'test', DetailType: 'x', Detail: '{}' }],
        }),
      );
      return 'Published';
    };
    type Item = { swap: boolean; seen?: string[] };
    const runner = await createLocalRunner({
      workflows: { ...synthesized, definitions: { ...synthesized.definitions, DeployEndpoint: definition } },
      handlers: {
        GetEndpointStatus: async (item) => {
          const { swap } = item as Item;
          return { swap, seen: [await (swap ? publishCall : describeCall)().catch((e: Error) => e.message)] };
        },
        PublishDeploymentEvent: async (item) => {
          const { swap, seen = [] } = item as Item;
          return [...seen, await (swap ? describeCall : publishCall)().catch((e: Error) => e.message)];
        },
      },
    });
    const items = Array.from({ length: 12 }, (_, i) => ({ swap: i === 5 }));

    const result = await runner.start('DeployEndpoint', { items }).result;

    expect(result.status).toBe('SUCCEEDED');
    const outputs = result.output as string[][];
    outputs.forEach((seen, i) => {
      if (i === 5) return;
      expect(seen, `item ${i}`).toEqual(['ValidationException', 'Published']);
    });
    const [describerPublishing, publisherDescribing] = outputs[5] as [string, string];
    const roleOf = (task: string) => {
      const fn = [...synthesized.functions.values()].find((f) => f.task === task);
      return synthesized.roles[fn?.roleArn ?? '']?.name;
    };
    expect(describerPublishing).toMatch(
      new RegExp(`assumed-role/${roleOf('GetEndpointStatus')}/.* is not authorized to perform: events:PutEvents`),
    );
    expect(publisherDescribing).toMatch(
      new RegExp(
        `assumed-role/${roleOf('PublishDeploymentEvent')}/.* is not authorized to perform: sagemaker:DescribeEndpoint`,
      ),
    );
  });
});

describe('the endpoint lease holder check', () => {
  it("may describe the executions the runner starts of a state machine that takes a lease, and no other's", async () => {
    const synthesized = await loadSynthesizedWorkflows({ account: ACCOUNT, region: 'us-east-1' });
    const fn = [...synthesized.functions.values()].find((f) => f.task === 'DescribeLeaseHolder');
    const statements = synthesized.roles[fn?.roleArn ?? '']?.statements ?? [];
    const describe = (workflow: string) =>
      evaluate(statements, {
        action: 'states:DescribeExecution',
        resource: `${synthesized.stateMachineArns[workflow]?.replace(':stateMachine:', ':execution:')}:run-1`,
      });

    expect(describe('DeployEndpoint')).toBe('allowed');
    expect(describe('DeployApprovedModelPackage')).toBe('allowed');
    expect(describe('RemoveModelFromMultiModelEndpoint')).toBe('allowed');
    expect(describe('PackageModel')).toBe('implicit-deny');
    expect(describe('LoadTestEndpoint')).toBe('implicit-deny');
  });
});
