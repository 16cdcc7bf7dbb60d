/**
 * Ctrl-C, SIGTERM or SIGHUP of a command that runs an emulator leaves no model process running. Each command is
 * spawned as a user runs it, interrupted at a point marked by what it prints (a state entered) and by the model
 * process it waits for, and then /proc is searched for any process that carries the run's marker: the exit code and
 * the one line are checked, and nothing of the run may be left.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it, type TestContext } from 'vitest';
import { exampleImage, exampleModelArchive } from '../../examples/example-models.ts';
import { SAME_CTRL_C_WITHIN_MS } from '../../local/emulator/interrupts.ts';
import { clients, startTestEmulator } from '../local/emulator/helpers.ts';
import { SpawnedCommand } from './spawned-command.ts';

const IMAGE = exampleImage('linear');
/** A bucket the stack's roles may read and write: the e2e deployment config names it, and smwf run is given it. */
const BUCKET = 'e2e-models';
const DEPLOYMENT_CONFIG = fileURLToPath(new URL('../fixtures/e2e.smwf.config.json', import.meta.url));
const MODEL = `s3://${BUCKET}/linear-v1/model.tar.gz`;
/** The example model server's command line. */
const MODEL_SERVER = 'containers/linear/server.mjs';
/** Keeps a model server starting (alive, not yet answering /ping) for as long as any test here runs. */
const SLOW_START = { SMWF_EXAMPLE_STARTUP_DELAY_MS: '600000' };

/**
 * Registers what a test started, to be cleaned up when that test ends: the test's own `onTestFinished`, since the
 * `smwf run` tests run at once and each cleans up only what it started.
 */
type CleanUp = TestContext['onTestFinished'];

/**
 * A fresh state directory whose S3 holds the example linear model (and `objects`), as `smwf run` will find it; removed
 * when the test ends.
 */
async function stateWithModel(cleanUp: CleanUp, objects: Record<string, string> = {}): Promise<string> {
  const stateDir = mkdtempSync(join(tmpdir(), 'smwf-interrupt-'));
  cleanUp(() => rmSync(stateDir, { recursive: true, force: true }));
  const emulator = await startTestEmulator({ stateDir });
  const { s3 } = clients(emulator.url);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'linear-v1/model.tar.gz',
      Body: await exampleModelArchive('linear-v1'),
    }),
  );
  for (const [key, body] of Object.entries(objects)) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }
  await emulator.stop();
  return stateDir;
}

function deployInput(endpointName: string, environment: Record<string, string> = {}) {
  return {
    endpointName,
    model: { image: IMAGE, modelDataUrl: MODEL, environment },
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: {
      samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }],
      invocations: 1000,
      concurrency: 1,
    },
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
  };
}

/** Spawns `smwf <args>`; whatever of it still runs when the test ends is killed. */
function spawn(cleanUp: CleanUp, args: string[]): SpawnedCommand {
  const command = SpawnedCommand.start(args);
  cleanUp(() => command.cleanUp());
  return command;
}

/** Spawns `smwf run <workflow> --json` on `stateDir` with `input`; whatever of it still runs when the test ends is killed. */
function smwfRun(cleanUp: CleanUp, workflow: string, stateDir: string, input: unknown): SpawnedCommand {
  const file = join(stateDir, `${workflow}.input.json`);
  writeFileSync(file, JSON.stringify(input));
  const command = SpawnedCommand.start(['run', workflow, '--input', file, '--state-dir', stateDir, '--json'], {
    SMWF_CONFIG: DEPLOYMENT_CONFIG,
  });
  cleanUp(() => command.cleanUp());
  return command;
}

/** Interrupts `command` with `signal`, and says which private folders (TMPDIR) its model processes had then. */
async function interrupt(command: SpawnedCommand, signal: NodeJS.Signals) {
  const folders = command.environmentValues('TMPDIR').filter((dir) => dir.includes('smwf-container-'));
  const ended = await command.interrupt(signal);
  return { ended, folders };
}

/** The text of every log stream of an endpoint's containers. */
function endpointLogs(stateDir: string, endpoint: string): string {
  const dir = join(stateDir, 'logs', 'us-east-1', 'aws', 'sagemaker', 'Endpoints', endpoint);
  try {
    return readdirSync(dir)
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');
  } catch {
    return '';
  }
}

// Each run has a state directory, an emulator and a run marker of its own: they run at once.
describe.concurrent('an interrupted smwf run', () => {
  it('Ctrl-C during CreateEndpoint, delivered twice as under npm start: stops what it started (no kill), says so in one line and exits 130', async ({
    onTestFinished,
  }) => {
    const stateDir = await stateWithModel(onTestFinished);
    const command = smwfRun(onTestFinished, 'DeployEndpoint', stateDir, deployInput('at-create', SLOW_START));
    await command.entered('StartDeployment');

    // npm passes the terminal's SIGINT on to the script, which gets it from the terminal too: one Ctrl-C, two signals.
    command.child.kill('SIGINT');
    const { ended, folders } = await interrupt(command, 'SIGINT');

    expect(ended).toEqual({ code: 130, signal: null });
    expect(command.lines.at(-1)).toMatch(/^smwf run: interrupted \(SIGINT\): stopped [01] model process(es)?$/);
    expect(command.processes()).toEqual([]);
    expect(folders.filter(existsSync)).toEqual([]);
  });

  it('SIGTERM during the wait for the endpoint: stops its starting model process and exits 143', async ({
    onTestFinished,
  }) => {
    const stateDir = await stateWithModel(onTestFinished);
    const command = smwfRun(onTestFinished, 'DeployEndpoint', stateDir, deployInput('at-wait', SLOW_START));
    // StartDeployment waits for the endpoint's event (its fallback, WaitForEndpoint, would come 5 s later).
    await command.entered('StartDeployment');
    await command.until(() => command.processesRunning(MODEL_SERVER).length > 0, 'a model server running');

    const { ended, folders } = await interrupt(command, 'SIGTERM');

    expect(ended).toEqual({ code: 143, signal: null });
    expect(command.lines.at(-1)).toBe('smwf run: interrupted (SIGTERM): stopped 1 model process');
    expect(command.processes()).toEqual([]);
    expect(folders).toHaveLength(1);
    expect(folders.filter(existsSync)).toEqual([]);
  });

  it('Ctrl-C during the health check stops the serving model process; a second Ctrl-C while it ignores SIGTERM kills it at once', async ({
    onTestFinished,
  }) => {
    const stateDir = await stateWithModel(onTestFinished);
    const input = deployInput('at-check', { SMWF_EXAMPLE_IGNORE_SIGTERM: 'true' });
    const command = smwfRun(onTestFinished, 'DeployEndpoint', stateDir, input);
    await command.entered('HealthCheck');
    const folders = command.environmentValues('TMPDIR').filter((dir) => dir.includes('smwf-container-'));

    command.child.kill('SIGINT');
    // The stop is under way once the model server has been sent SIGTERM (and logged that it ignores it).
    await command.until(() => endpointLogs(stateDir, 'at-check').includes('SIGTERM ignored'), 'SIGTERM ignored');
    // A person's second Ctrl-C, not the same one delivered twice (as `npm start` does): it comes later than this.
    await new Promise((r) => setTimeout(r, SAME_CTRL_C_WITHIN_MS));
    const ended = await command.interrupt('SIGINT');

    expect(ended).toEqual({ code: 130, signal: null });
    expect(command.lines.at(-1)).toBe(
      'smwf run: interrupted (SIGINT): stopped 1 model process, killed at once by a second SIGINT',
    );
    expect(command.processes()).toEqual([]);
    expect(folders).toHaveLength(1);
    expect(folders.filter(existsSync)).toEqual([]);
  });

  it('SIGHUP during a batch transform: stops the job’s model server and exits 129', async ({ onTestFinished }) => {
    const stateDir = await stateWithModel(onTestFinished, { 'scoring/in/rows.csv': '1,2\n3,4\n' });
    const command = smwfRun(onTestFinished, 'BatchTransform', stateDir, {
      scheduleName: 'interrupted',
      model: { image: IMAGE, modelDataUrl: MODEL, environment: SLOW_START },
      input: { s3Prefix: `s3://${BUCKET}/scoring/in/`, contentType: 'text/csv', splitType: 'Line' },
      output: { s3Prefix: `s3://${BUCKET}/scoring/out/`, assembleWith: 'Line', accept: 'text/csv' },
      wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 10 },
    });
    await command.until(() => command.processesRunning(MODEL_SERVER).length > 0, 'a model server running');

    const { ended, folders } = await interrupt(command, 'SIGHUP');

    expect(ended).toEqual({ code: 129, signal: null });
    expect(command.lines.at(-1)).toBe('smwf run: interrupted (SIGHUP): stopped 1 model process');
    expect(command.processes()).toEqual([]);
    expect(folders).toHaveLength(1);
    expect(folders.filter(existsSync)).toEqual([]);
  });
});

describe('an interrupted smwf demo', () => {
  it('Ctrl-C during the multi-model part: stops the endpoint and multi-model containers, removes its state, exits 130', async ({
    onTestFinished,
  }) => {
    const command = spawn(onTestFinished, ['demo', '--json']);
    await command.printed((line) => line.includes('"type":"StepResult"') && line.includes('"step":"4.'), 'step 4');
    await command.until(
      () => command.environmentValues('SAGEMAKER_MULTI_MODEL').includes('true'),
      'a multi-model container running',
    );
    // The demo's state directory, where the model processes' models are (<state>/hosting/...).
    const stateDirs = command.environmentValues('SM_MODEL_DIR').map((dir) => dir.slice(0, dir.indexOf('/hosting/')));

    const { ended, folders } = await interrupt(command, 'SIGINT');

    expect(ended).toEqual({ code: 130, signal: null });
    // The updated endpoint's model server and the multi-model one.
    expect(command.lines.at(-1)).toBe('smwf demo: interrupted (SIGINT): stopped 2 model processes');
    expect(command.processes()).toEqual([]);
    expect(folders).toHaveLength(2);
    expect(folders.filter(existsSync)).toEqual([]);
    expect([...new Set(stateDirs)]).toHaveLength(1);
    expect(stateDirs.filter(existsSync)).toEqual([]);
  });

  it('--right-size: Ctrl-C while candidates are loaded stops their model processes, removes its state, exits 130', async ({
    onTestFinished,
  }) => {
    const command = spawn(onTestFinished, ['demo', '--right-size', '--json']);
    await command.entered('GenerateLoad');
    await command.until(() => command.processesRunning(MODEL_SERVER).length > 0, 'a model server running');
    const stateDirs = command.environmentValues('SM_MODEL_DIR').map((dir) => dir.slice(0, dir.indexOf('/hosting/')));

    const { ended, folders } = await interrupt(command, 'SIGINT');

    expect(ended).toEqual({ code: 130, signal: null });
    expect(command.lines.at(-1)).toMatch(/^smwf demo: interrupted \(SIGINT\): stopped \d+ model process(es)?$/);
    expect(command.processes()).toEqual([]);
    expect(folders.length).toBeGreaterThan(0);
    expect(folders.filter(existsSync)).toEqual([]);
    expect(stateDirs.length).toBeGreaterThan(0);
    expect(stateDirs.filter(existsSync)).toEqual([]);
  });
});

describe('an interrupted npm run bench', () => {
  it('Ctrl-C in the terminal while a benchmark runs an emulator: the benchmark stops its model processes in one line, the runner exits 130', async ({
    onTestFinished,
  }) => {
    const command = SpawnedCommand.node(['--import', 'tsx', 'bench/run.ts', 'emulator-invoke', '--quick'], {}, true);
    onTestFinished(() => command.cleanUp());
    await command.until(() => command.processesRunning(MODEL_SERVER).length > 0, 'a model server running');

    const ended = await command.interruptGroup('SIGINT');

    expect(ended).toEqual({ code: 130, signal: null });
    expect(command.lines.at(-1)).toBe('bench emulator-invoke: interrupted (SIGINT): stopped 1 model process');
    expect(command.lines.filter((line) => line.includes('interrupted'))).toHaveLength(1);
    expect(command.processes()).toEqual([]);
  });
});
