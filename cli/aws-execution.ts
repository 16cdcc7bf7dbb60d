/**
 * Starting a deployed state machine on AWS and following it: StartExecution with a deterministic name (the
 * same input twice is one execution), then the execution history, shown with the same progress output as
 * local runs.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { ExecutionEvent, ExecutionResult } from '../local/runner/runner.ts';

/** How the CLI reaches AWS; injectable for tests. */
export interface AwsClients {
  sfn: SFNClient;
  cloudFormation: CloudFormationClient;
}

/** Clients for the default credential chain and region. */
export function defaultAwsClients(region?: string): AwsClients {
  const config = region ? { region } : {};
  return { sfn: new SFNClient(config), cloudFormation: new CloudFormationClient(config) };
}

/** The state machine ARN from a stack output named `<workflow>StateMachineArn`. */
export async function stateMachineArnFromStack(clients: AwsClients, stackName: string, workflow: string) {
  const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const key = `${workflow}StateMachineArn`;
  const value = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  if (!value) throw new Error(`Stack ${stackName} has no output ${key}; deploy it with 'npx cdk deploy' first`);
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
export interface AwsRunOptions {
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

  const started = Date.now();
  const events: ExecutionEvent[] = [];
  const enteredAt = new Map<string, number>();
  let lastSeenId = 0;
  for (;;) {
    // Each poll reads the history from the start (it has no cursor past its last page) and skips seen ids.
    let nextToken: string | undefined;
    do {
      const page = await clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
      );
      for (const historyEvent of page.events ?? []) {
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
          };
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
  }
}
