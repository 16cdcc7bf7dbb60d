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
import { useLocalEmulator } from '../../local/runner/local-aws-env.ts';
import { provisionLocalStack } from '../../local/runner/local-stack.ts';
import { allStates, createLocalRunner, type ExecutionResult, type LocalRunner } from '../../local/runner/runner.ts';
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
  taskStates,
} from '../workflows/fault-matrix.ts';
import { E2E_DEPLOYMENT_CONFIG, E2E_IDENTITY } from './e2e-stack.ts';
import { deployInput } from './harness.ts';

const BUCKET = 'e2e-models';
const ENDPOINT = 'killed';

/** A TCP relay to the emulator that can kill it between its answer and the caller (see the file's comment). */
class Relay {
  private server: Server | undefined;
  private upstreamPort = 0;
  private armed: (() => Promise<number>) | undefined;
  private held: Socket[] | undefined;
  private readonly open = new Set<Socket>();
  port = 0;

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

  /** The next answer the emulator gives is not passed on: `crash` kills and restarts it, resolving with its port. */
  arm(crash: () => Promise<number>): void {
    this.armed = crash;
  }

  /** Passes answers on again (the state ended without a call the relay could cut). */
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
    const end = () => {
      this.open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      const crash = this.armed;
      if (crash === undefined) {
        client.write(chunk);
        return;
      }
      this.armed = undefined;
      this.held = [];
      void crash().then((port) => {
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

const relay = new Relay();
let workflows: SynthesizedWorkflows;
let runner: LocalRunner;
let stepFunctions: LocalStepFunctions;
let modelUri: string;
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
});

afterAll(async () => {
  await stepFunctions?.stop();
  await relay.stop();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n${matrixTable(rows, `Fault matrix, emulator killed (a real process; ${seconds} s)`)}\n`);
});

/** An emulator process on its own state directory, which a scenario kills and restarts. */
interface EmulatorUnderTest {
  readonly stateDir: string;
  /** Kills the emulator with SIGKILL and starts another on the same state directory: resolves with its port. */
  restart(): Promise<number>;
  /** Stops the emulator as Ctrl-C does and removes its state directory. */
  stop(): Promise<void>;
}

/** A fresh emulator process on a fresh state directory, with the stack provisioned and the example model in S3. */
async function freshEmulator(): Promise<EmulatorUnderTest> {
  const stateDir = mkdtempSync(join(tmpdir(), 'smwf-killed-'));
  let emulator = await startEmulatorProcess(stateDir);
  relay.route(emulator.url);
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'linear-v1/model.tar.gz',
      Body: await exampleModelArchive('linear-v1'),
    }),
  );
  await provisionLocalStack(workflows);
  return {
    stateDir,
    restart: async () => {
      await stopEmulatorProcess(emulator, 'SIGKILL');
      emulator = await startEmulatorProcess(stateDir);
      return Number(new URL(emulator.url).port);
    },
    stop: async () => {
      await stopEmulatorProcess(emulator, 'SIGTERM');
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Every object in every bucket but the model the test put, and the lifecycle events logged. */
async function observed(stateDir: string): Promise<{ observation: Observation; events: LoggedEvent[] }> {
  const s3 = new S3Client({ forcePathStyle: true });
  const file = join(stateDir, 'events.jsonl');
  const events = (): LoggedEvent[] =>
    (existsSync(file) ? readFileSync(file, 'utf8') : '')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LoggedEvent);
  const objects = async () => {
    const keys: string[] = [];
    for (const bucket of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name }));
      for (const object of listed.Contents ?? []) keys.push(`${bucket.Name}/${object.Key}`);
    }
    return keys.filter((key) => key !== `${BUCKET}/linear-v1/model.tar.gz`);
  };
  return { observation: await observe({ objects, events }), events: events() };
}

/** What each Task state's function does, from the actions its synthesized role allows. */
function kindOf(stateName: string): string {
  const definition = workflows.definitions.DeployEndpoint as { States?: unknown };
  const state = allStates(definition).find(([name]) => name === stateName)?.[1];
  const functionArn = String((state?.Parameters as { FunctionName?: string } | undefined)?.FunctionName ?? '');
  const fn = workflows.functions.get(functionArn);
  const role = fn?.roleArn === undefined ? undefined : workflows.roles[fn.roleArn];
  const actions = new Set(
    (role?.statements ?? []).flatMap((s) => {
      const action = (s as { Action?: string | string[] }).Action;
      return Array.isArray(action) ? action : action === undefined ? [] : [action];
    }),
  );
  const has = (pattern: RegExp) => [...actions].some((a) => pattern.test(a));
  if (has(/^sagemaker:(Create|Update)Endpoint$/)) return 'changes the endpoint';
  if (has(/^sagemaker:Create(Model|EndpointConfig)$/)) return 'creates a resource';
  if (has(/^application-autoscaling:RegisterScalableTarget$/)) return 'registers autoscaling';
  if (has(/^sagemaker:InvokeEndpoint/)) return 'invokes the endpoint';
  if (has(/^events:PutEvents$/)) return 'publishes an event';
  if (has(/^s3:PutObject$/)) return 'writes S3';
  if (has(/^(sagemaker|s3|application-autoscaling):/)) return 'only reads';
  return 'calls nothing';
}

let expected: Observation;
const representatives: { state: string; kind: string }[] = [];

describe('DeployEndpoint with the emulator killed while a step runs', () => {
  it('deploys uninterrupted on a fresh emulator (what every killed run must end as)', async () => {
    const emulator = await freshEmulator();
    try {
      const result = await runner.start('DeployEndpoint', deployInput(ENDPOINT, modelUri), { name: 'uninterrupted' })
        .result;
      expect(result.status).toBe('SUCCEEDED');
      expected = (await observed(emulator.stateDir)).observation;
      const tasks = new Set(taskStates(workflows.definitions.DeployEndpoint as never).map((t) => t.name));
      const kinds = new Set<string>();
      for (const state of statesEntered(result)) {
        if (!tasks.has(state)) continue;
        const kind = kindOf(state);
        if (kinds.has(kind) || kind === 'calls nothing') continue;
        kinds.add(kind);
        representatives.push({ state, kind });
      }
      expect(expected.endpoints[ENDPOINT]).toMatch(/^InService /);
      expect(representatives.map((r) => r.kind).sort()).toEqual([
        'changes the endpoint',
        'creates a resource',
        'invokes the endpoint',
        'only reads',
        'publishes an event',
        'registers autoscaling',
        'writes S3',
      ]);
    } finally {
      await emulator.stop();
    }
  }, 120_000);

  it('ends at one state of each kind as the uninterrupted run, or in its documented state', async () => {
    const documented = documentedEndStates();
    const problems: string[] = [];
    for (const { state, kind } of representatives) {
      const emulator = await freshEmulator();
      let killed = false;
      try {
        const before = (await observed(emulator.stateDir)).observation;
        const result = await runner.start('DeployEndpoint', deployInput(ENDPOINT, modelUri), {
          name: `killed-at-${state}`,
          interceptTask: async (task, invoke) => {
            if (task.stateName !== state || task.attempt !== 1) return invoke();
            relay.arm(async () => {
              killed = true;
              return emulator.restart();
            });
            try {
              return await invoke();
            } finally {
              relay.disarm();
            }
          },
        }).result;
        const { observation, events } = await observed(emulator.stateDir);
        const duplicates = duplicateEvents(events).length;
        const endState = statesEntered(result).at(-1) ?? '';
        const asBefore = differences(before, observation, true).filter((d) => !d.startsWith('objects'));
        let outcome: Outcome;
        if (!killed) {
          outcome = { kind: 'diverged', how: `${kind}: the emulator was never killed` };
        } else if (result.status === 'SUCCEEDED') {
          const diff = differences(expected, observation);
          outcome =
            diff.length === 0
              ? { kind: 'converged', how: `${kind}: killed, restarted, went on`, duplicates }
              : { kind: 'diverged', how: `${kind}: ${diff.join('; ')}` };
        } else {
          const ending = `${kind}: ${result.status} in ${endState} (${result.error}: ${causeOf(result)})`;
          outcome =
            documented.get(`DeployEndpoint ${endState}`)?.has('before') && asBefore.length === 0
              ? { kind: 'documented', how: `${ending}, as before the run`, duplicates }
              : { kind: 'diverged', how: `${ending}; ${asBefore.join('; ')}` };
        }
        rows.push({ workflow: 'DeployEndpoint', state, fault: FAULTS.emulatorKilled, outcome });
        if (outcome.kind === 'diverged') problems.push(`${state}: ${outcome.how}`);
      } finally {
        await emulator.stop();
      }
    }
    expect(problems).toEqual([]);
  }, 300_000); // seven emulator lifetimes: about 45 s on an idle machine, minutes on a loaded one
});

/** The message of the error an execution failed with, shortened. */
function causeOf(result: ExecutionResult): string {
  try {
    return String((JSON.parse(result.cause ?? '{}') as { errorMessage?: string }).errorMessage).slice(0, 200);
  } catch {
    return (result.cause ?? '').slice(0, 200);
  }
}
