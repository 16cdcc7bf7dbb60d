/**
 * The fault matrix's fault c: the emulator killed with SIGKILL while a step runs, restarted on the same state
 * directory, and the execution goes on. This needs a real emulator process (`smwf local start`, as a user runs it),
 * so it runs for one representative Task state of DeployEndpoint per kind of work a step does, the kind read from
 * what its function's synthesized role allows (changes SageMaker, registers autoscaling, writes S3, publishes an
 * event, invokes the endpoint, only reads): the first state of each kind on DeployEndpoint's path, generated from
 * the synthesized definition and roles. The other faults, at every state of every workflow, run in process
 * (test/workflows/fault-matrix-suite.ts).
 *
 * The steps reach the emulator through a small TCP relay that stands for the service's stable address: armed while
 * a state runs, it lets the step's first request reach the emulator, which does the work (the side effect is on
 * disk), and when the answer comes back it kills the emulator with SIGKILL instead of passing the answer on, so the
 * step's connection is reset. It holds new connections while a new emulator starts on the same state directory,
 * then passes them to it: the SDK's own retry of the reset request (a transient network error) reaches the
 * restarted emulator, as a request to SageMaker retried after a failed host reaches another.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleModelArchive } from '../../examples/example-models.ts';
import {
  type AnsweredCall,
  ScriptedSageMaker,
  type Service,
} from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { useLocalEmulator } from '../../local/runner/local-aws-env.ts';
import { provisionLocalStack } from '../../local/runner/local-stack.ts';
import { createLocalRunner, type ExecutionResult, type LocalRunner } from '../../local/runner/runner.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import { type LocalStepFunctions, serveLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { spawnLocalStart } from '../local/emulator/helpers.ts';
import {
  differences,
  documentedEndStates,
  duplicateEvents,
  FAULTS,
  type LoggedEvent,
  type MatrixRow,
  matrixTable,
  type Observation,
  type Outcome,
  observe,
  statesEntered,
  type TaskInterceptor,
  taskStates,
} from '../workflows/fault-matrix.ts';
import { CallsByState, type Kill, killDuring } from '../workflows/fault-matrix-killed.ts';
import { E2E_DEPLOYMENT_CONFIG, E2E_IDENTITY } from './e2e-stack.ts';
import { deployInput } from './harness.ts';

const BUCKET = 'e2e-models';
const ENDPOINT = 'killed';

/** The service and operation of an HTTP request, from its head (the request line and headers), as the relay sees it. */
function callOf(head: string): AnsweredCall | undefined {
  const [requestLine = '', ...lines] = head.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  if (method === '') return undefined;
  const headers = new Map(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).trim().toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  const target = headers.get('x-amz-target');
  if (target !== undefined) {
    const [prefix = '', operation = ''] = target.split('.');
    const services: Record<string, Service> = {
      SageMaker: 'sagemaker',
      AnyScaleFrontendService: 'autoScaling',
      AWSEvents: 'events',
      DynamoDB_20120810: 'dynamodb',
    };
    const service = services[prefix];
    return service === undefined ? undefined : { service, operation };
  }
  if (/^\/endpoints\/[^/]+\/(invocations|async-invocations)/.test(path))
    return { service: 'runtime', operation: 'InvokeEndpoint' };
  const s3: Record<string, string> = {
    PUT: headers.has('x-amz-copy-source') ? 'CopyObject' : 'PutObject',
    DELETE: 'DeleteObject',
    GET: 'GetObject',
    HEAD: 'HeadObject',
    POST: 'DeleteObjects',
  };
  const operation = s3[method];
  return operation === undefined ? undefined : { service: 's3', operation };
}

/**
 * A TCP relay to the emulator that can kill it between its answer to a named operation and the caller (see the
 * file's comment). It tells `heard` of every request it passes on (HTTP/1.1 without pipelining: a connection's next
 * request starts after the answer to the last one began).
 */
class Relay {
  private server: Server | undefined;
  private upstreamPort = 0;
  private armed: { operation: string; crash: () => Promise<number> } | undefined;
  private held: Socket[] | undefined;
  private readonly open = new Set<Socket>();
  port = 0;

  constructor(private readonly heard: (call: AnsweredCall) => void) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Where the relay sends connections from now on. */
  route(url: string): void {
    this.upstreamPort = Number(new URL(url).port);
  }

  /**
   * The next answer the emulator gives to `operation` is not passed on: `crash` kills and restarts the emulator,
   * resolving with its port.
   */
  arm(operation: string, crash: () => Promise<number>): void {
    this.armed = { operation, crash };
  }

  /** Passes answers on again (the state ended without the call the relay was to cut). */
  disarm(): void {
    this.armed = undefined;
  }

  private accept(client: Socket): void {
    if (this.held) {
      this.held.push(client);
      return;
    }
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    this.open.add(client);
    /** The request under way on this connection, once its head has come; the head read so far, before. */
    let request: AnsweredCall | undefined;
    let head = '';
    let answering = false;
    const end = () => {
      this.open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      if (answering) {
        // The answer to the last request has begun: these bytes start the next request.
        answering = false;
        request = undefined;
        head = '';
      }
      if (request === undefined) {
        head += chunk.toString('latin1');
        const headEnd = head.indexOf('\r\n\r\n');
        if (headEnd >= 0) {
          request = callOf(head.slice(0, headEnd)) ?? { service: 's3', operation: 'unknown' };
          this.heard(request);
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      answering = true;
      const armed = this.armed;
      if (armed === undefined || request?.operation !== armed.operation) {
        client.write(chunk);
        return;
      }
      this.armed = undefined;
      this.held = [];
      void armed.crash().then((port) => {
        this.upstreamPort = port;
        const waiting = this.held ?? [];
        this.held = undefined;
        for (const socket of waiting) this.accept(socket);
      });
      // The answer is lost with the emulator: every connection to it is cut.
      for (const socket of this.open) socket.destroy();
      end();
    });
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  }

  async stop(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    this.server?.close();
  }
}

/** One `smwf local start` on a state directory. */
interface RunningEmulator {
  readonly child: ChildProcess;
  readonly url: string;
}

async function startEmulatorProcess(stateDir: string): Promise<RunningEmulator> {
  const { url, child } = await spawnLocalStart([
    '--port',
    '0',
    '--state-dir',
    stateDir,
    '--no-triggers',
    '--startup-timeout',
    '30',
  ]);
  return { url, child };
}

async function stopEmulatorProcess(emulator: RunningEmulator, signal: NodeJS.Signals): Promise<void> {
  if (emulator.child.exitCode !== null || emulator.child.signalCode !== null) return;
  const exited = once(emulator.child, 'exit');
  emulator.child.kill(signal);
  await exited;
}

const callsByState = new CallsByState();
const relay = new Relay((call) => callsByState.heard(call));
let workflows: SynthesizedWorkflows;
let runner: LocalRunner;
let stepFunctions: LocalStepFunctions;
let modelUri: string;
let modelArchive: Buffer;
const rows: MatrixRow[] = [];
let started = 0;

beforeAll(async () => {
  started = performance.now();
  await relay.start();
  useLocalEmulator(`http://127.0.0.1:${relay.port}`);
  workflows = await loadSynthesizedWorkflows(E2E_IDENTITY, { deploymentConfig: E2E_DEPLOYMENT_CONFIG });
  runner = await createLocalRunner({ waitTimeMs: 50, retryIntervalMs: 20, workflows });
  stepFunctions = await serveLocalStepFunctions(runner);
  modelUri = `s3://${BUCKET}/linear-v1/model.tar.gz`;
  modelArchive = await exampleModelArchive('linear-v1');
});

afterAll(async () => {
  await stepFunctions?.stop();
  await relay.stop();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n${matrixTable(rows, `Fault matrix, emulator killed (a real process; ${seconds} s)`)}\n`);
});

/** Where a scenario runs: an emulator process behind the relay, or the emulator's core in process. */
interface Target {
  /** What a user sees after a run (every object but the model the test put), and the lifecycle events logged. */
  observed(): Promise<{ observation: Observation; events: LoggedEvent[] }>;
  /** Kills the target during the first invocation of `state`, after it answers `operation` (see killDuring). */
  killer(state: string, operation: string, kill: Kill): TaskInterceptor;
  /** Stops it and removes its state directory. */
  stop(): Promise<void>;
}

/** Every object in every bucket but the model the test put. */
async function objectsBut(s3: S3Client): Promise<string[]> {
  const keys: string[] = [];
  for (const bucket of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name }));
    for (const object of listed.Contents ?? []) keys.push(`${bucket.Name}/${object.Key}`);
  }
  return keys.filter((key) => key !== `${BUCKET}/linear-v1/model.tar.gz`);
}

/** A fresh emulator process on a fresh state directory, with the stack provisioned and the example model in S3. */
async function freshEmulator(): Promise<Target> {
  const stateDir = mkdtempSync(join(tmpdir(), 'smwf-killed-'));
  let emulator = await startEmulatorProcess(stateDir);
  relay.route(emulator.url);
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'linear-v1/model.tar.gz', Body: modelArchive }));
  await provisionLocalStack(workflows);
  /** Kills the emulator with SIGKILL and starts another on the same state directory: resolves with its port. */
  const restart = async () => {
    await stopEmulatorProcess(emulator, 'SIGKILL');
    emulator = await startEmulatorProcess(stateDir);
    return Number(new URL(emulator.url).port);
  };
  return {
    async observed() {
      const file = join(stateDir, 'events.jsonl');
      const events = (): LoggedEvent[] =>
        (existsSync(file) ? readFileSync(file, 'utf8') : '')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as LoggedEvent);
      return { observation: await observe({ objects: () => objectsBut(s3), events }), events: events() };
    },
    killer: (state, operation, kill) => async (task, invoke) => {
      if (task.stateName !== state || task.attempt !== 1 || kill.how !== undefined) return invoke();
      relay.arm(operation, async () => {
        kill.how = `killed after ${operation} answered`;
        return restart();
      });
      let result: unknown;
      try {
        result = await invoke();
      } finally {
        relay.disarm();
      }
      if (kill.how === undefined) {
        kill.how = `killed between calls (no ${operation} this time)`;
        relay.route(`http://127.0.0.1:${await restart()}`);
      }
      return result;
    },
    async stop() {
      await stopEmulatorProcess(emulator, 'SIGTERM');
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** What the example models answer in process (the health check looks for predictions). */
const answers = () => ({ status: 200, body: JSON.stringify({ predictions: [0.5] }) });

/** The emulator's core in process on a fresh state directory (ScriptedSageMaker), with the example model in S3. */
async function freshInProcess(): Promise<Target> {
  let double = new ScriptedSageMaker({ stateDir: mkdtempSync(join(tmpdir(), 'smwf-killed-')), script: { answers } });
  double.install();
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'linear-v1/model.tar.gz', Body: modelArchive }));
  return {
    async observed() {
      const events = await double.readEvents();
      return { observation: await observe({ objects: () => objectsBut(s3), events: () => events }), events };
    },
    killer: (state, operation, kill) =>
      killDuring(
        state,
        operation,
        () => double,
        (restarted) => {
          double = restarted;
        },
        kill,
      ),
    async stop() {
      double.restore();
    },
  };
}

/**
 * The states at which a real emulator is killed, each named by its operation: a transition under way (CreateEndpoint:
 * the restart resumes the creation and starts the model process again), an endpoint serving (InvokeEndpoint: its
 * process is started again, and the retried request waits for it), a resource only on disk (CreateModel), and S3
 * (PutObject: the endpoint lease). Every other state is killed in process only (test/workflows/fault-matrix-suite.ts):
 * the same restart, on the same loading and resuming code.
 */
const REPRESENTED = ['CreateModel', 'PutObject', 'CreateEndpoint', 'InvokeEndpoint'];

/** Runs DeployEndpoint uninterrupted on `target`: what every killed run there must end as. */
async function uninterrupted(target: Target, name: string): Promise<Observation> {
  const result = await runner.start('DeployEndpoint', deployInput(ENDPOINT, modelUri), {
    name,
    interceptTask: callsByState.tracking(),
  }).result;
  expect(result.status).toBe('SUCCEEDED');
  return (await target.observed()).observation;
}

/** Kills `target` during `state` after `operation` and judges how the run ends (redriven when it failed). */
async function killedRun(target: Target, name: string, state: string, operation: string, expected: Observation) {
  const documented = documentedEndStates();
  const before = (await target.observed()).observation;
  const kill: Kill = { how: undefined };
  const execution = runner.start('DeployEndpoint', deployInput(ENDPOINT, modelUri), {
    name,
    interceptTask: target.killer(state, operation, kill),
  });
  const first = await execution.result;
  const failure =
    first.status === 'SUCCEEDED' ? '' : `, ${first.status} in ${statesEntered(first).at(-1)} (${first.error})`;
  const result = first.status === 'SUCCEEDED' ? first : await runner.redrive(execution.arn, {}).result;
  const { observation, events } = await target.observed();
  const duplicates = duplicateEvents(events).length;
  const how = `${kill.how}, restarted${failure}${first.status === 'SUCCEEDED' ? ', went on' : ', redriven'}`;
  if (kill.how === undefined) return { kind: 'diverged', how: 'the emulator was never killed' } as Outcome;
  if (result.status === 'SUCCEEDED') {
    const diff = differences(expected, observation);
    return (
      diff.length === 0
        ? { kind: 'converged', how, duplicates }
        : { kind: 'diverged', how: `${how}; ${diff.join('; ')}` }
    ) as Outcome;
  }
  const endState = statesEntered(result).at(-1) ?? '';
  const ending = `${how}; ${result.status} in ${endState} (${result.error}: ${causeOf(result)})`;
  const asBefore = differences(before, observation, true).filter((d) => !d.startsWith('objects'));
  return (
    documented.get(`DeployEndpoint ${endState}`)?.has('before') && asBefore.length === 0
      ? { kind: 'documented', how: `${ending}, as before the run`, duplicates }
      : { kind: 'diverged', how: `${ending}; ${asBefore.join('; ')}` }
  ) as Outcome;
}

let expected: Observation;
const representatives: { state: string; operation: string }[] = [];

describe('DeployEndpoint with the emulator killed while a step runs', () => {
  it('deploys uninterrupted on a fresh emulator (what every killed run must end as)', async () => {
    const emulator = await freshEmulator();
    try {
      expected = await uninterrupted(emulator, 'uninterrupted');
      expect(expected.endpoints[ENDPOINT]).toMatch(/^InService /);
    } finally {
      await emulator.stop();
    }
    const tasks = taskStates(workflows.definitions.DeployEndpoint as never).map((t) => t.name);
    for (const operation of REPRESENTED) {
      const state = tasks.find((t) => callsByState.namedOperation(t) === operation);
      if (state !== undefined) representatives.push({ state, operation });
    }
    expect(representatives.map((r) => r.operation)).toEqual(REPRESENTED);
  }, 120_000);

  it('ends each killed run as the same kill in process ends it: converged, or in its documented state', async () => {
    const inProcess = await freshInProcess();
    let expectedInProcess: Observation;
    try {
      expectedInProcess = await uninterrupted(inProcess, 'uninterrupted-in-process');
    } finally {
      await inProcess.stop();
    }
    const problems: string[] = [];
    for (const { state, operation } of representatives) {
      const emulator = await freshEmulator();
      let outcome: Outcome;
      try {
        outcome = await killedRun(emulator, `killed-at-${state}`, state, operation, expected);
      } finally {
        await emulator.stop();
      }
      const double = await freshInProcess();
      let inProcessOutcome: Outcome;
      try {
        inProcessOutcome = await killedRun(
          double,
          `killed-in-process-at-${state}`,
          state,
          operation,
          expectedInProcess,
        );
      } finally {
        await double.stop();
      }
      rows.push({ workflow: 'DeployEndpoint', state, fault: FAULTS.emulatorKilled, outcome });
      if (outcome.kind === 'diverged') problems.push(`${state}: ${outcome.how}`);
      // The kill in process is the real one's double: the same kill ends the same way (its texts name the same
      // operation, failure and end; the error messages of a failed run may differ).
      const summary = (o: Outcome) => `${o.kind}: ${o.how.split(';')[0]}`;
      if (summary(inProcessOutcome) !== summary(outcome)) {
        problems.push(`${state}: a real kill ${summary(outcome)}, in process ${summary(inProcessOutcome)}`);
      }
    }
    expect(problems).toEqual([]);
  }, 300_000); // four emulator lifetimes and their restarts: about 25 s on an idle machine, minutes on a loaded one
});

/** The message of the error an execution failed with, shortened. */
function causeOf(result: ExecutionResult): string {
  try {
    return String((JSON.parse(result.cause ?? '{}') as { errorMessage?: string }).errorMessage).slice(0, 200);
  } catch {
    return (result.cause ?? '').slice(0, 200);
  }
}
