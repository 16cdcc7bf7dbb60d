import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { executionInputProblem } from '../../contracts/execution-input.ts';
import { HOSTING_INSTANCE_RESOURCES } from '../../contracts/parts/instance-resources.ts';
import type { ReportFiles } from '../../contracts/parts/report-files.ts';
import { exampleBucketsNamedBy, putExampleArtifacts } from '../../examples/example-artifacts.ts';
import { exitOnInterrupt, startEmulator } from '../../local/emulator/index.ts';
import { useLocalEmulator } from '../../local/runner/local-aws-env.ts';
import { provisionLocalStack } from '../../local/runner/local-stack.ts';
import {
  createLocalRunner,
  type ExecutionEvent,
  type ExecutionResult,
  type LocalExecution,
  type LocalRunner,
} from '../../local/runner/runner.ts';
import { EVENT_WAIT_HEARTBEAT_MS, TriggerEngine } from '../../local/triggers/engine.ts';
import { serveLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import type { WorkflowDefinition } from '../../workflows/workflow.ts';
import {
  type AwsClients,
  awsRunRegion,
  checkAwsSetup,
  defaultAwsClients,
  describeAwsFailure,
  runOnAws,
  stateMachineArnFromStack,
  stateMachineArnRegion,
} from '../aws-execution.ts';
import { executionName } from '../execution-name.ts';
import { cleanCause, progressPrinter, shortCause } from '../render/progress.ts';
import { saveReportFiles } from '../report-files.ts';
import { parseCommand, UsageError } from './args.ts';
import { workflowArgument, workflowNames } from './schema.ts';

/** Help of `smwf run`. */
const runHelp = `Usage: smwf run <StateMachine> --input <file|-> [options]

Runs a state machine with the given execution input and follows it state by state.
Locally (the default) the synthesized definition runs in aws-local-stepfunctions with the real task
handlers against the local emulator; with --aws the deployed state machine runs on AWS Step Functions.
Locally, a wait for SageMaker ends on the emulator's state change event, as under smwf local start (the
stack's rules route it to CompleteWait); with --endpoint-url, that emulator's events are not seen, so
each wait ends on its fallback poll instead.
The execution name derives from the input, so starting the same input twice is one execution.
When the execution's output names report files (an HTML page and a Markdown summary in S3), they are
downloaded, from the emulator or from AWS, and their paths printed.
Exits 0 when the execution succeeds, 1 when it fails (its error and cause are printed), 2 on bad arguments.
Ctrl-C (or SIGTERM, SIGHUP) during a local run stops the emulator started for it and every model process,
prints one line and exits 128 + the signal's number (130 for Ctrl-C); a second Ctrl-C kills them at once.

Options:
  --input FILE|-            execution input as JSON (- reads standard input)      required
  --name NAME               execution name                                       default: from the input
  --endpoint-url URL        use a running emulator (smwf local start) instead of starting one
  --state-dir DIR           local state directory: the emulator's (the one        default .smwf/local
                            started for the run, kept between runs, which also
                            gets the example artifacts the input names: README,
                            "Running the examples"; or the running one's with
                            --endpoint-url); executions are recorded under it
  --json                    one JSON object per event, then the result
  --report-dir DIR          where a report the execution wrote is saved           default: .
                            (LoadTestEndpoint's, RightSizeEndpoint's: report.html and
                            summary.md, at DIR/reports/<StateMachine>/<execution name>/)
  --aws                     start the deployed state machine on AWS
  --state-machine-arn ARN   with --aws: the state machine                         default: stack output
  --stack NAME              with --aws: stack whose outputs name it               default SageMakerWorkflows
  --region REGION           with --aws: AWS region       default: the ARN's, else AWS_REGION or the profile's
  -h, --help                show this help

State machines: ${workflowNames()}
`;

function readInput(source: string): unknown {
  let text: string;
  try {
    text = source === '-' ? readFileSync(0, 'utf8') : readFileSync(resolve(source), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --input ${source}: ${(error as Error).message}`);
  }
  let input: unknown;
  try {
    input = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--input ${source} is not JSON: ${(error as Error).message}`);
  }
  const problem = executionInputProblem(input);
  if (problem !== undefined) throw new UsageError(`--input ${source}: ${problem}`);
  return input;
}

/** Prints how the execution ended, and where its report was saved; returns the exit code. */
export function report(result: ExecutionResult, json: boolean, saved?: ReportFiles): number {
  if (saved !== undefined) {
    if (json) console.log(JSON.stringify({ type: 'ReportFiles', ...saved }));
    else console.error(`report: ${saved.html}\nsummary: ${saved.markdown}`);
  }
  if (json) {
    const { events: _events, cause, ...rest } = result;
    const clean = cause !== undefined ? { cause: cleanCause(result.error, cause) } : {};
    console.log(JSON.stringify({ type: 'ExecutionResult', ...rest, ...clean }));
  } else if (result.status === 'SUCCEEDED') {
    console.error(
      `${result.status} in ${(result.durationMs / 1000).toFixed(1)} s, ${result.transitions} state transitions`,
    );
    console.log(JSON.stringify(result.output, null, 2));
  } else {
    const seconds = (result.durationMs / 1000).toFixed(1);
    console.error(`${result.status} in ${seconds} s: ${result.error ?? ''}: ${shortCause(result.cause)}`);
  }
  return result.status === 'SUCCEEDED' ? 0 : 1;
}

/**
 * Puts in the emulator started for a run the example artifacts of the example buckets the input names (those not
 * there yet), so that every example input runs as it is; says on standard error what it put.
 */
async function putExampleArtifactsNamedBy(input: unknown): Promise<void> {
  const buckets = exampleBucketsNamedBy(input);
  if (buckets.length === 0) return;
  const put = await putExampleArtifacts(new S3Client({ forcePathStyle: true }), buckets);
  for (const bucket of buckets) {
    const count = put.filter((artifact) => artifact.uri.startsWith(`s3://${bucket}/`)).length;
    if (count > 0) {
      console.error(
        `smwf run: put ${count} example artifact(s) in s3://${bucket} of the local emulator, made from examples/`,
      );
    }
  }
}

/** Where the local runner journals executions in a state directory (what `smwf redrive` reads). */
function executionRecordsDirOf(stateDir: string): string {
  return join(stateDir, 'executions');
}

/** Options of a local execution's attempt (a run, or a redrive). */
interface LocalAttemptOptions {
  readonly endpointUrl?: string;
  readonly stateDir: string;
  readonly json: boolean;
  /** The input whose example artifacts the emulator started for the attempt gets. */
  readonly input?: unknown;
  /** The command, as interrupts name it. @default 'smwf run' */
  readonly label?: string;
  /** Runs once the execution has ended, while the emulator is still up (its S3 is read there). */
  readonly afterRun?: (result: ExecutionResult) => Promise<void>;
}

/**
 * Runs one attempt of a local execution (`attempt` starts it or redrives it), on a running emulator or on one started
 * (and stopped) for it, with a runner that journals executions in the state directory. The emulator started for the
 * attempt also gets the example artifacts the input names (see putExampleArtifactsNamedBy).
 */
export async function attemptLocally(
  options: LocalAttemptOptions,
  attempt: (runner: LocalRunner, onEvent: (event: ExecutionEvent) => void) => LocalExecution,
): Promise<ExecutionResult> {
  // Taken before the emulator starts, so an interrupt at any point stops whatever it has started.
  const uninstall = options.endpointUrl ? undefined : exitOnInterrupt({ label: options.label ?? 'smwf run' });
  const emulator = options.endpointUrl
    ? undefined
    : await startEmulator({ port: 0, stateDir: options.stateDir, instanceTypes: HOSTING_INSTANCE_RESOURCES });
  let stepFunctions: Awaited<ReturnType<typeof serveLocalStepFunctions>> | undefined;
  let waitCallbacks: TriggerEngine | undefined;
  try {
    useLocalEmulator(options.endpointUrl ?? (emulator?.url as string));
    if (emulator !== undefined && options.input !== undefined) await putExampleArtifactsNamedBy(options.input);
    // Every local attempt journals its execution in the state directory, so `smwf redrive` can redrive it and the
    // runs of other processes on the same emulator (and the endpoint lease's DescribeExecution) see it, and see it end.
    // Waits on the emulator started here end on its state change events, as under `smwf local start`, so their
    // heartbeat is as long; a running emulator's events are not seen here, so those waits poll soon instead.
    const runner = await createLocalRunner({
      executionRecordsDir: executionRecordsDirOf(options.stateDir),
      ...(emulator !== undefined ? { heartbeatTimeMs: EVENT_WAIT_HEARTBEAT_MS } : {}),
    });
    await provisionLocalStack(runner.workflows);
    if (emulator !== undefined) {
      // The stack's waits' rules route the emulator's events to CompleteWait (the engine serves Step Functions too).
      waitCallbacks = await TriggerEngine.start({
        runner,
        stateDir: options.stateDir,
        subscribe: emulator.onEvents,
        triggers: 'wait-callbacks',
      });
    } else stepFunctions = await serveLocalStepFunctions(runner);
    const printer = progressPrinter({
      json: options.json,
      color: !options.json && process.stderr.isTTY === true,
      write: (line) => (options.json ? console.log(line) : console.error(line)),
    });
    const result = await attempt(runner, printer).result;
    await options.afterRun?.(result);
    return result;
  } finally {
    await waitCallbacks?.stop();
    await stepFunctions?.stop();
    await emulator?.stop();
    uninstall?.();
  }
}

/** Runs one execution locally (attemptLocally), journaled in the state directory so `smwf redrive` can redrive it. */
function runLocally(
  workflow: WorkflowDefinition,
  input: unknown,
  options: {
    name: string;
    endpointUrl?: string;
    stateDir: string;
    json: boolean;
    afterRun?: (result: ExecutionResult) => Promise<void>;
  },
): Promise<ExecutionResult> {
  return attemptLocally({ ...options, input }, (runner, onEvent) =>
    runner.start(workflow.name, input, { name: options.name, onEvent }),
  );
}

/** `smwf run <StateMachine> --input <file|->`. */
export async function run(args: string[], aws: (region?: string) => AwsClients = defaultAwsClients): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    input: { type: 'string' },
    name: { type: 'string' },
    'endpoint-url': { type: 'string' },
    'state-dir': { type: 'string' },
    json: { type: 'boolean' },
    'report-dir': { type: 'string' },
    aws: { type: 'boolean' },
    'state-machine-arn': { type: 'string' },
    stack: { type: 'string' },
    region: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(runHelp);
    return 0;
  }
  const workflow = workflowArgument(positionals);
  if (values.input === undefined) throw new UsageError('missing --input <file|->');
  if (!values.aws && (values['state-machine-arn'] || values.stack || values.region)) {
    throw new UsageError('--state-machine-arn, --stack and --region go with --aws');
  }
  if (values.aws && (values['endpoint-url'] || values['state-dir'])) {
    throw new UsageError('--endpoint-url and --state-dir are for local runs, not --aws');
  }
  if (values.name !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(values.name)) {
    throw new UsageError('--name must be 1-80 letters, digits, hyphens or underscores');
  }
  const input = readInput(values.input);
  const name = values.name ?? executionName(workflow.name, input);
  const json = values.json === true;
  const reportDir = resolve(values['report-dir'] ?? '.');
  /** The report files of a successful execution, saved into reportDir. */
  const saveReport = async (s3: S3Client, result: ExecutionResult) =>
    result.status === 'SUCCEEDED' ? saveReportFiles(s3, result.output, reportDir) : undefined;

  if (values.aws) {
    const stateMachineArnOption = values['state-machine-arn'];
    if (stateMachineArnOption !== undefined && stateMachineArnRegion(stateMachineArnOption) === undefined) {
      throw new UsageError(
        `--state-machine-arn must be a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME), got '${stateMachineArnOption}'`,
      );
    }
    const clients = aws(awsRunRegion({ region: values.region, stateMachineArn: stateMachineArnOption }));
    const region = await checkAwsSetup(clients);
    const printer = progressPrinter({
      json,
      color: !json && process.stderr.isTTY === true,
      write: (line) => (json ? console.log(line) : console.error(line)),
    });
    try {
      const stateMachineArn =
        stateMachineArnOption ??
        (await stateMachineArnFromStack(clients, values.stack ?? 'SageMakerWorkflows', workflow.name, region));
      console.error(`${workflow.name} ${name} on ${stateMachineArn}`);
      const result = await runOnAws(clients, { stateMachineArn, name, input, onEvent: printer });
      return report(result, json, await saveReport(clients.s3, result));
    } catch (error) {
      throw describeAwsFailure(error, region);
    }
  }
  let saved: ReportFiles | undefined;
  const result = await runLocally(workflow, input, {
    name,
    stateDir: resolve(values['state-dir'] ?? '.smwf/local'),
    json,
    ...(values['endpoint-url'] ? { endpointUrl: values['endpoint-url'] } : {}),
    afterRun: async (ended) => {
      saved = await saveReport(new S3Client({ forcePathStyle: true }), ended);
    },
  });
  return report(result, json, saved);
}
