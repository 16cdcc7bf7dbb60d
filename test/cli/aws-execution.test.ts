import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runOnAws, stateMachineArnFromStack } from '../../cli/aws-execution.ts';
import { executionName } from '../../cli/execution-name.ts';
import { main } from '../../cli/main.ts';
import { saveReportFiles } from '../../cli/report-files.ts';
import type { ExecutionEvent } from '../../local/runner/runner.ts';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:DeployEndpoint-abc';
const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
const clients = () => ({
  sfn: new SFNClient({ region: 'us-east-1' }),
  cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
  s3: new S3Client({ region: 'us-east-1' }),
});

const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 9, 0, second));
const history: HistoryEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
  { id: 2, type: 'TaskStateEntered', timestamp: at(1), stateEnteredEventDetails: { name: 'ValidateInput' } },
  { id: 3, type: 'TaskStateExited', timestamp: at(2), stateExitedEventDetails: { name: 'ValidateInput' } },
  { id: 4, type: 'TaskStateEntered', timestamp: at(3), stateEnteredEventDetails: { name: 'HealthCheck' } },
  {
    id: 5,
    type: 'TaskFailed',
    timestamp: at(5),
    taskFailedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'HealthCheckFailedError',
      cause: '{"errorMessage":"2/10 succeeded"}',
    },
  },
  {
    id: 6,
    type: 'ExecutionFailed',
    timestamp: at(9),
    executionFailedEventDetails: { error: 'HealthCheckFailedError', cause: '{"errorMessage":"2/10 succeeded"}' },
  },
];

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

afterEach(() => {
  sfnMock.reset();
});

describe('runOnAws', () => {
  it('starts the execution with the given name and follows its history to the end', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: at(0) });
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: history.slice(0, 3) })
      .resolves({ events: history });
    const seen: ExecutionEvent[] = [];

    const result = await runOnAws(clients(), {
      stateMachineArn: STATE_MACHINE,
      name: 'churn-1234',
      input: { endpointName: 'churn' },
      onEvent: (e) => seen.push(e),
      pollMs: 1,
    });

    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: 'churn-1234',
      input: '{"endpointName":"churn"}',
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HealthCheckFailedError');
    expect(seen.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'StateEntered',
      'StateExited',
      'StateEntered',
      'StateFailed',
      'ExecutionFailed',
    ]);
    expect(seen[2]?.durationMs).toBe(1000);
  });

  it('rejoins an execution started before with the same name and input instead of starting another', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(
        new SFNServiceException({ name: 'ExecutionAlreadyExists', $fault: 'client', $metadata: {}, message: 'exists' }),
      );
    sfnMock.on(DescribeExecutionCommand).resolves({ input: '{ "endpointName": "churn" }' });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
        {
          id: 2,
          type: 'ExecutionSucceeded',
          timestamp: at(3),
          executionSucceededEventDetails: { output: '{"ok":true}' },
        },
      ],
    });

    const result = await runOnAws(clients(), {
      stateMachineArn: STATE_MACHINE,
      name: 'churn-1234',
      input: { endpointName: 'churn' },
      onEvent: () => undefined,
    });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(
      'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint-abc:churn-1234',
    );
  });

  it('refuses to reuse a name whose execution had another input', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(
        new SFNServiceException({ name: 'ExecutionAlreadyExists', $fault: 'client', $metadata: {}, message: 'exists' }),
      );
    sfnMock.on(DescribeExecutionCommand).resolves({ input: '{"endpointName":"other"}' });

    const result = runOnAws(clients(), {
      stateMachineArn: STATE_MACHINE,
      name: 'churn-1234',
      input: { endpointName: 'churn' },
      onEvent: () => undefined,
    });

    await expect(result).rejects.toThrow('already exists with a different input');
  });
});

describe('stateMachineArnFromStack', () => {
  it('reads the <workflow>StateMachineArn output of the stack', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'SageMakerWorkflows',
          CreationTime: at(0),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'DeployEndpointStateMachineArn', OutputValue: STATE_MACHINE }],
        },
      ],
    });

    expect(await stateMachineArnFromStack(clients(), 'SageMakerWorkflows', 'DeployEndpoint', 'us-east-1')).toBe(
      STATE_MACHINE,
    );
  });
});

/**
 * `smwf run DeployEndpoint --aws` as a user runs it, with the SDK's own clients (the mocks above answer their calls,
 * so nothing leaves the process): its exit code and what it printed.
 */
async function runOnAwsCli(args: string[]) {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
  try {
    const code = await main(['run', 'DeployEndpoint', '--aws', '--input', EXAMPLE_INPUT, ...args]);
    return { code, lines };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Static keys in the environment: what a configured machine has. */
function withKeys() {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'example';
}

const EXAMPLE_INPUT = fileURLToPath(new URL('../../examples/inputs/deploy-endpoint.json', import.meta.url));
const SAVED_ENV = { ...process.env };

/** An object's body as the SDK hands it over (only the method the CLI reads). */
const body = (text: string) =>
  ({ transformToByteArray: async () => new TextEncoder().encode(text) }) as unknown as NonNullable<
    GetObjectCommandOutput['Body']
  >;

describe('smwf run --aws: the report', () => {
  const s3Mock = mockClient(S3Client);
  let reportDir: string;
  beforeEach(() => {
    reportDir = mkdtempSync(join(tmpdir(), 'smwf-aws-report-'));
    process.env.AWS_REGION = 'us-east-1';
    withKeys();
  });
  afterEach(() => {
    s3Mock.reset();
    for (const key of Object.keys(process.env)) if (!(key in SAVED_ENV)) delete process.env[key];
    Object.assign(process.env, SAVED_ENV);
    rmSync(reportDir, { recursive: true, force: true });
  });

  it('downloads the report files the output names into --report-dir, at their keys, and prints their paths', async () => {
    const folder = 'reports/LoadTestEndpoint/lt-1';
    const output = {
      endpointName: 'churn',
      reportFiles: {
        html: `s3://artifacts-123/${folder}/report.html`,
        markdown: `s3://artifacts-123/${folder}/summary.md`,
      },
    };
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: at(0) });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
        {
          id: 2,
          type: 'ExecutionSucceeded',
          timestamp: at(9),
          executionSucceededEventDetails: { output: JSON.stringify(output) },
        },
      ],
    });
    s3Mock.on(GetObjectCommand, { Bucket: 'artifacts-123', Key: `${folder}/report.html` }).resolves({
      Body: body('<!DOCTYPE html><title>r</title>'),
    });
    s3Mock.on(GetObjectCommand, { Bucket: 'artifacts-123', Key: `${folder}/summary.md` }).resolves({
      Body: body('# Load test of churn\n'),
    });

    const { code, lines } = await runOnAwsCli(['--state-machine-arn', STATE_MACHINE, '--report-dir', reportDir]);

    expect(code).toBe(0);
    const html = join(reportDir, folder, 'report.html');
    const markdown = join(reportDir, folder, 'summary.md');
    expect(readFileSync(html, 'utf8')).toBe('<!DOCTYPE html><title>r</title>');
    expect(readFileSync(markdown, 'utf8')).toBe('# Load test of churn\n');
    expect(lines).toContain(`report: ${html}\nsummary: ${markdown}`);
  });

  it('saves nothing when the output names no report', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: at(0) });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
        {
          id: 2,
          type: 'ExecutionSucceeded',
          timestamp: at(9),
          executionSucceededEventDetails: { output: '{"endpointName":"churn"}' },
        },
      ],
    });

    const { code } = await runOnAwsCli(['--state-machine-arn', STATE_MACHINE, '--report-dir', reportDir]);

    expect(code).toBe(0);
    expect(s3Mock.calls()).toHaveLength(0);
    expect(readdirSync(reportDir)).toEqual([]);
  });

  it('refuses a report key that would land outside --report-dir', async () => {
    await expect(
      saveReportFiles(
        new S3Client({ region: 'us-east-1' }),
        { reportFiles: { html: 's3://b/../../etc/x.html', markdown: 's3://b/ok.md' } },
        reportDir,
      ),
    ).rejects.toThrow(/leads outside/);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('smwf run --aws: one line that says what to do when it cannot start', () => {
  let emptyDir: string;
  beforeEach(() => {
    emptyDir = mkdtempSync(join(tmpdir(), 'smwf-aws-env-'));
    // A machine with no AWS configuration at all: no region, no profile, no keys, no config files.
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    process.env.AWS_CONFIG_FILE = join(emptyDir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(emptyDir, 'credentials');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in SAVED_ENV)) delete process.env[key];
    Object.assign(process.env, SAVED_ENV);
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('without a region, names --region, AWS_REGION and a profile', async () => {
    const { code, lines } = await runOnAwsCli([]);

    expect(code).toBe(1);
    expect(lines).toEqual([
      "smwf run: no AWS region: pass --region REGION, set AWS_REGION, or use a profile with a region (AWS_PROFILE=NAME; 'aws configure' sets one)",
    ]);
  });

  it('says that AWS_DEFAULT_REGION alone is not read', async () => {
    process.env.AWS_DEFAULT_REGION = 'eu-west-1';

    const { lines } = await runOnAwsCli([]);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      '(AWS_DEFAULT_REGION=eu-west-1 is set, but the AWS SDK for JavaScript reads AWS_REGION)',
    );
  });

  it('takes the region from a profile, then reports that the profile has no credentials', async () => {
    writeFileSync(join(emptyDir, 'config'), '[profile ml]\nregion = eu-west-1\n');
    process.env.AWS_PROFILE = 'ml';

    const { code, lines } = await runOnAwsCli([]);

    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^smwf run: no AWS credentials for profile ml: sign in \('aws sso login' or 'aws configure'\), set AWS_PROFILE=NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \(.+\)$/,
    );
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('says to deploy the stack when it does not exist in the region', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: {},
        message: 'Stack with id SageMakerWorkflows does not exist',
      }),
    );

    withKeys();

    const { code, lines } = await runOnAwsCli(['--region', 'eu-west-1']);

    expect(code).toBe(1);
    expect(lines).toEqual([
      "smwf run: stack SageMakerWorkflows is not deployed in eu-west-1: deploy it with 'npx cdk deploy', or name the deployed one with --stack NAME and --region REGION",
    ]);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('says to deploy this version of the stack when it has no output for the workflow', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Ml', CreationTime: at(0), StackStatus: 'UPDATE_COMPLETE', Outputs: [] }],
    });

    withKeys();

    const { lines } = await runOnAwsCli(['--region', 'eu-west-1', '--stack', 'Ml']);

    expect(lines).toEqual([
      "smwf run: stack Ml in eu-west-1 (UPDATE_COMPLETE) has no output DeployEndpointStateMachineArn: deploy this version of the stack with 'npx cdk deploy', or pass --state-machine-arn ARN",
    ]);
  });

  it('refuses a state machine ARN in another region than --region, starting nothing', async () => {
    withKeys();
    const { code, lines } = await runOnAwsCli(['--region', 'eu-west-1', '--state-machine-arn', STATE_MACHINE]);

    expect(code).toBe(1);
    expect(lines).toEqual([
      `smwf run: the state machine ${STATE_MACHINE} is in us-east-1, not in --region eu-west-1: drop --region, or pass the ARN of the state machine in eu-west-1`,
    ]);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it("goes to the state machine ARN's region when no --region is given", async () => {
    withKeys();
    sfnMock.on(StartExecutionCommand).rejects(
      new SFNServiceException({
        name: 'StateMachineDoesNotExist',
        $fault: 'client',
        $metadata: {},
        message: `State Machine Does Not Exist: '${STATE_MACHINE}'`,
      }),
    );

    const { code, lines } = await runOnAwsCli(['--state-machine-arn', STATE_MACHINE]);

    expect(code).toBe(1);
    expect(lines.at(-1)).toBe(
      `smwf run: State Machine Does Not Exist: '${STATE_MACHINE}' in us-east-1: deploy the stack with 'npx cdk deploy', or check --state-machine-arn and --region`,
    );
  });

  it('says to sign in again when the credentials have expired', async () => {
    sfnMock.on(StartExecutionCommand).rejects(
      new SFNServiceException({
        name: 'ExpiredTokenException',
        $fault: 'client',
        $metadata: {},
        message: 'The security token included in the request is expired',
      }),
    );

    withKeys();

    const { lines } = await runOnAwsCli(['--state-machine-arn', STATE_MACHINE]);

    expect(lines.at(-1)).toBe(
      "smwf run: your AWS credentials have expired (ExpiredTokenException): sign in again ('aws sso login') or refresh them",
    );
  });

  it('says which credentials AWS does not accept', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'InvalidClientTokenId',
        $fault: 'client',
        $metadata: {},
        message: 'The security token included in the request is invalid.',
      }),
    );

    withKeys();

    const { lines } = await runOnAwsCli(['--region', 'eu-west-1']);

    expect(lines).toEqual([
      'smwf run: AWS does not accept these credentials in eu-west-1 (InvalidClientTokenId: The security token included in the request is invalid.): check AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    ]);
  });

  it('exits 2 for a --state-machine-arn that is no state machine ARN', async () => {
    withKeys();
    const { code, lines } = await runOnAwsCli(['--state-machine-arn', 'DeployEndpoint']);

    expect(code).toBe(2);
    expect(lines).toEqual([
      "smwf run: --state-machine-arn must be a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME), got 'DeployEndpoint'",
    ]);
  });
});

describe('executionName', () => {
  it('derives the same name from the same input, whatever the key order', () => {
    const a = executionName('DeployEndpoint', {
      endpointName: 'churn',
      model: { image: 'a', modelDataUrl: 's3://b/c' },
    });
    const b = executionName('DeployEndpoint', {
      model: { modelDataUrl: 's3://b/c', image: 'a' },
      endpointName: 'churn',
    });

    expect(a).toBe(b);
    expect(a).toMatch(/^churn-[0-9a-f]{16}$/);
    expect(executionName('DeployEndpoint', { endpointName: 'churn', x: 1 })).not.toBe(a);
  });

  it('stays within the 80 characters Step Functions allows', () => {
    expect(executionName('DeployEndpoint', { endpointName: 'e'.repeat(63) }).length).toBeLessThanOrEqual(80);
  });
});
