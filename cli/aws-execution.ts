/**
 * Starting a deployed state machine on AWS and following it: StartExecution with a deterministic name (the
 * same input twice is one execution), then the execution history, shown with the same progress output as
 * local runs. What stops a run before it starts (no region, no credentials, no stack) is one line saying what to do.
 */
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { ExecutionEvent, ExecutionResult } from '../local/runner/runner.ts';

/** How the CLI reaches AWS; injectable for tests. */
export interface AwsClients {
  sfn: SFNClient;
  cloudFormation: CloudFormationClient;
  /** Downloads the report files an execution's output names. */
  s3: S3Client;
}

/** Clients for the default credential chain, in `region` or the SDK's configured one. */
export function defaultAwsClients(region?: string): AwsClients {
  const config = region ? { region } : {};
  return { sfn: new SFNClient(config), cloudFormation: new CloudFormationClient(config), s3: new S3Client(config) };
}

/** Why `smwf run --aws` cannot go on, and what to do about it: printed as one line. */
class AwsSetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AwsSetupError';
  }
}

/** A state machine ARN's parts: `arn:<partition>:states:<region>:<account>:stateMachine:<name>`. */
const STATE_MACHINE_ARN =
  /^arn:aws[a-z-]*:states:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;

/** The region of a state machine ARN, or undefined when `arn` is not one. */
export function stateMachineArnRegion(arn: string): string | undefined {
  return STATE_MACHINE_ARN.exec(arn)?.[1];
}

/**
 * The region a run on AWS goes to: `--region`, else the region of `--state-machine-arn` (a state machine is only
 * reachable in its own region), else undefined (the SDK's configuration decides). A `--region` other than the
 * ARN's is refused.
 */
export function awsRunRegion(options: {
  region?: string | undefined;
  stateMachineArn?: string | undefined;
}): string | undefined {
  const arnRegion = options.stateMachineArn === undefined ? undefined : stateMachineArnRegion(options.stateMachineArn);
  if (options.region !== undefined && arnRegion !== undefined && options.region !== arnRegion) {
    throw new AwsSetupError(
      `the state machine ${options.stateMachineArn} is in ${arnRegion}, not in --region ${options.region}: ` +
        `drop --region, or pass the ARN of the state machine in ${options.region}`,
    );
  }
  return options.region ?? arnRegion;
}

/** Where to set a region, as the AWS SDK for JavaScript reads it. */
function noRegionMessage(env: NodeJS.ProcessEnv): string {
  const defaultRegion = env.AWS_DEFAULT_REGION
    ? ` (AWS_DEFAULT_REGION=${env.AWS_DEFAULT_REGION} is set, but the AWS SDK for JavaScript reads AWS_REGION)`
    : '';
  return (
    `no AWS region: pass --region REGION, set AWS_REGION, or use a profile with a region (AWS_PROFILE=NAME; ` +
    `'aws configure' sets one)${defaultRegion}`
  );
}

/**
 * Resolves the region and credentials the clients will use, before anything is called, so that a missing one is
 * reported with what to do rather than as the SDK's "Region is missing". Returns the region.
 */
export async function checkAwsSetup(clients: AwsClients, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let region: string;
  try {
    region = await clients.sfn.config.region();
  } catch (error) {
    throw new AwsSetupError(noRegionMessage(env), { cause: error });
  }
  try {
    await clients.sfn.config.credentials();
  } catch (error) {
    const profile = env.AWS_PROFILE ? ` for profile ${env.AWS_PROFILE}` : '';
    throw new AwsSetupError(
      `no AWS credentials${profile}: sign in ('aws sso login' or 'aws configure'), set AWS_PROFILE=NAME, or set ` +
        `AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${(error as Error).message})`,
      { cause: error },
    );
  }
  return region;
}

/** AWS's error names for credentials it does not accept. */
const REJECTED_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);
const EXPIRED_CREDENTIALS = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);

/**
 * An AWS error met while starting or following a run, said as one line with what to do: credentials AWS refuses
 * or that expired, an action the identity may not call, a state machine that does not exist. Other errors are
 * returned as they are.
 */
export function describeAwsFailure(error: unknown, region: string): Error {
  const name = (error as Error | undefined)?.name ?? '';
  const message = (error as Error | undefined)?.message ?? String(error);
  if (error instanceof AwsSetupError) return error;
  if (EXPIRED_CREDENTIALS.has(name)) {
    return new AwsSetupError(
      `your AWS credentials have expired (${name}): sign in again ('aws sso login') or refresh them`,
      { cause: error },
    );
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return new AwsSetupError(
      `AWS does not accept these credentials in ${region} (${name}: ${message}): check AWS_PROFILE or ` +
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      { cause: error },
    );
  }
  if (ACCESS_DENIED.has(name)) {
    return new AwsSetupError(`AWS denied the call in ${region}: ${message}; use an identity that may make it`, {
      cause: error,
    });
  }
  if (name === 'StateMachineDoesNotExist') {
    return new AwsSetupError(
      `${message} in ${region}: deploy the stack with 'npx cdk deploy', or check --state-machine-arn and --region`,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(message);
}

/** The state machine ARN from a stack output named `<workflow>StateMachineArn`. */
export async function stateMachineArnFromStack(
  clients: AwsClients,
  stackName: string,
  workflow: string,
  region: string,
): Promise<string> {
  let stack: Stack | undefined;
  try {
    stack = (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      throw new AwsSetupError(
        `stack ${stackName} is not deployed in ${region}: deploy it with 'npx cdk deploy', or name the deployed ` +
          'one with --stack NAME and --region REGION',
        { cause: error },
      );
    }
    throw describeAwsFailure(error, region);
  }
  const key = `${workflow}StateMachineArn`;
  const value = stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  if (!value) {
    const status = stack?.StackStatus ? ` (${stack.StackStatus})` : '';
    throw new AwsSetupError(
      `stack ${stackName} in ${region}${status} has no output ${key}: deploy this version of the stack with ` +
        `'npx cdk deploy', or pass --state-machine-arn ARN`,
    );
  }
  return value;
}

const TERMINAL: Record<string, ExecutionResult['status']> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** A state's output as the history gives it (JSON text), or null when it is not JSON. */
function parseOutput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Turns one history event into the runner's event shape, so the same printer shows both. */
export function toExecutionEvent(event: HistoryEvent, enteredAt: Map<string, number>): ExecutionEvent | undefined {
  const timestamp = event.timestamp?.getTime() ?? Date.now();
  const type = event.type ?? '';
  if (type === 'ExecutionStarted') return { type: 'ExecutionStarted', timestamp, input: null };
  if (type === 'ExecutionRedriven') {
    return {
      type: 'ExecutionRedriven',
      timestamp,
      redriveCount: event.executionRedrivenEventDetails?.redriveCount ?? 0,
    };
  }
  if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
    const name = event.stateEnteredEventDetails.name;
    enteredAt.set(name, timestamp);
    return { type: 'StateEntered', timestamp, state: { name, type: stateType(type), input: null } };
  }
  if (type.endsWith('StateExited') && event.stateExitedEventDetails?.name) {
    const name = event.stateExitedEventDetails.name;
    const entered = enteredAt.get(name);
    const output = event.stateExitedEventDetails.output;
    return {
      type: 'StateExited',
      timestamp,
      state: { name, type: stateType(type), input: null, ...(output ? { output: parseOutput(output) as never } : {}) },
      ...(entered !== undefined ? { durationMs: timestamp - entered } : {}),
    };
  }
  const failure = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails;
  if (failure) {
    const name = [...enteredAt.keys()].at(-1) ?? 'task';
    return {
      type: 'StateFailed',
      timestamp,
      state: { name, type: 'Task', input: null },
      Error: failure.error ?? '',
      Cause: failure.cause ?? '',
    };
  }
  const iteration =
    event.mapIterationStartedEventDetails ??
    event.mapIterationSucceededEventDetails ??
    event.mapIterationFailedEventDetails;
  if (iteration?.name !== undefined && iteration.index !== undefined) {
    const parentState = { name: iteration.name, type: 'Map' as const, input: null };
    const index = iteration.index;
    if (type === 'MapIterationStarted') return { type, timestamp, parentState, index };
    if (type === 'MapIterationSucceeded') return { type, timestamp, parentState, index };
    // The history gives a failed iteration no error: the failed state inside it did.
    if (type === 'MapIterationFailed') return { type, timestamp, parentState, index, Error: '', Cause: '' };
  }
  if (type === 'ExecutionAborted') return { type: 'ExecutionAborted', timestamp };
  if (type === 'ExecutionTimedOut') return { type: 'ExecutionTimeout', timestamp };
  if (type === 'ExecutionSucceeded') return { type: 'ExecutionSucceeded', timestamp, output: null };
  if (type === 'ExecutionFailed') {
    const details = event.executionFailedEventDetails;
    return { type: 'ExecutionFailed', timestamp, Error: details?.error ?? '', Cause: details?.cause ?? '' };
  }
  return undefined;
}

function stateType(historyType: string) {
  const prefix = historyType.replace(/State(Entered|Exited)$/, '');
  return (
    ['Task', 'Choice', 'Wait', 'Pass', 'Succeed', 'Fail', 'Map', 'Parallel'].includes(prefix) ? prefix : 'Task'
  ) as 'Task';
}

/** Options of one AWS run. */
interface AwsRunOptions {
  stateMachineArn: string;
  name: string;
  input: unknown;
  onEvent: (event: ExecutionEvent) => void;
  /** Milliseconds between history polls. @default 2000 */
  pollMs?: number;
}

/**
 * Starts (or, when the same name and input ran before, rejoins) an execution and follows its history until
 * it ends.
 */
export async function runOnAws(clients: AwsClients, options: AwsRunOptions): Promise<ExecutionResult> {
  const input = JSON.stringify(options.input);
  const executionArn = `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${options.name}`;
  try {
    await clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: options.stateMachineArn, name: options.name, input }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    const existing = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (existing.input !== undefined && JSON.stringify(JSON.parse(existing.input)) !== input) {
      throw new Error(`Execution ${options.name} already exists with a different input; pass another --name`);
    }
  }
  return followExecution(clients, executionArn, options);
}

/** Options of following an execution's history. */
interface FollowOptions {
  onEvent: (event: ExecutionEvent) => void;
  /** Milliseconds between history polls. @default 2000 */
  pollMs?: number;
  /** Show and judge only the events after this one (a redrive appends to the history). @default 0 */
  afterEventId?: number;
}

/**
 * Follows an execution's history until it ends (its first terminal event after `afterEventId`), showing each
 * event with the same progress output as local runs.
 */
async function followExecution(
  clients: AwsClients,
  executionArn: string,
  options: FollowOptions,
): Promise<ExecutionResult> {
  const started = Date.now();
  const events: ExecutionEvent[] = [];
  const enteredAt = new Map<string, number>();
  let lastSeenId = options.afterEventId ?? 0;
  let redriveCount = 0;
  for (;;) {
    // Each poll reads the history from the start (it has no cursor past its last page) and skips seen ids.
    let nextToken: string | undefined;
    do {
      const page = await clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
      );
      for (const historyEvent of page.events ?? []) {
        redriveCount = historyEvent.executionRedrivenEventDetails?.redriveCount ?? redriveCount;
        if ((historyEvent.id ?? 0) <= lastSeenId) continue;
        lastSeenId = historyEvent.id ?? lastSeenId;
        const event = toExecutionEvent(historyEvent, enteredAt);
        if (event) {
          events.push(event);
          options.onEvent(event);
        }
        const status = TERMINAL[historyEvent.type ?? ''];
        if (status) {
          const failed = historyEvent.executionFailedEventDetails;
          const output = historyEvent.executionSucceededEventDetails?.output;
          return {
            status,
            ...(output !== undefined ? { output: JSON.parse(output) as unknown } : {}),
            ...(failed?.error !== undefined ? { error: failed.error } : {}),
            ...(failed?.cause !== undefined ? { cause: failed.cause } : {}),
            events,
            transitions: events.filter((e) => e.type === 'StateEntered').length,
            waitedSeconds: 0,
            durationMs: Date.now() - started,
            redriveCount,
          };
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
  }
}

/** The id of the newest event of an execution's history (0 when it has none). */
async function lastEventId(clients: AwsClients, executionArn: string): Promise<number> {
  const page = await clients.sfn.send(
    new GetExecutionHistoryCommand({ executionArn, maxResults: 1, reverseOrder: true }),
  );
  return page.events?.[0]?.id ?? 0;
}

/**
 * RedriveExecution, then follows the execution from where the redrive starts its history: the events after the
 * ones it had (Step Functions appends a redrive's events to the execution's history).
 */
export async function redriveOnAws(
  clients: AwsClients,
  executionArn: string,
  options: Omit<FollowOptions, 'afterEventId'>,
): Promise<ExecutionResult> {
  const afterEventId = await lastEventId(clients, executionArn);
  await clients.sfn.send(new RedriveExecutionCommand({ executionArn }));
  return followExecution(clients, executionArn, { ...options, afterEventId });
}
