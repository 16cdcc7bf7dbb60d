/**
 * An emulator killed with SIGKILL (or out of memory) runs no stop path, yet leaves no model process running: the
 * safety net in each container's launch ends it when the emulator's process is gone, and the next start on the same
 * state directory stops what its record says is still running (the safety net killed too, to show that it does)
 * before it hosts InService endpoints again. `smwf local start` is spawned as a user runs it, with endpoints
 * serving, starting, multi-model and a transform job running, then killed.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTransformJobCommand,
  DescribeEndpointCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { exampleImage } from '../../../examples/example-models.ts';
import { WATCHER_NAME } from '../../../local/emulator/hosting/container-records.ts';
import { type ProcStat, processAlive, readStat } from '../../../local/emulator/hosting/process-tree.ts';
import { commandLine, SpawnedCommand, whenNoneLeft } from '../../cli/spawned-command.ts';
import {
  clients,
  deployModel,
  LINEAR_IMAGE,
  linearModelTarball,
  uploadLinearModel,
  waitForEndpoint,
} from './helpers.ts';

const commands: SpawnedCommand[] = [];
const stateDirs: string[] = [];

afterEach(() => {
  for (const command of commands.splice(0)) command.cleanUp();
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh state directory, removed after the test. */
function freshStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'smwf-crash-'));
  stateDirs.push(dir);
  return dir;
}

/** Spawns `smwf local start` on `stateDir` and resolves once it serves, with SDK clients pointed at it. */
async function localStart(stateDir: string) {
  const command = SpawnedCommand.start([
    'local',
    'start',
    '--port',
    '0',
    '--state-dir',
    stateDir,
    '--no-triggers',
    '--startup-timeout',
    '120',
  ]);
  commands.push(command);
  const line = await command.printed((l) => l.startsWith('AWS_ENDPOINT_URL='), 'its URL');
  return { command, ...clients(line.slice('AWS_ENDPOINT_URL='.length)) };
}

/** Keeps a model server starting (alive, not answering /ping) for longer than any test here runs. */
const SLOW_START = { SMWF_EXAMPLE_STARTUP_DELAY_MS: '600000' };

async function createEndpoint(sagemaker: SageMakerClient, name: string, container: Record<string, unknown>) {
  await sagemaker.send(new CreateModelCommand({ ModelName: name, PrimaryContainer: container }));
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: name, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
    }),
  );
  await sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
}

/**
 * Puts the emulator to work at every point a model process runs: an endpoint serving, one starting, a multi-model
 * endpoint with a model loaded, an nginx-style program with worker processes, and a transform job whose model server
 * is starting. Resolves once all of their processes run.
 */
async function busyEmulator(stateDir: string) {
  const started = await localStart(stateDir);
  const { command, sagemaker, runtime, s3 } = started;
  const model = await uploadLinearModel(s3, 'crash', 'm/model.tar.gz', [1, 1], 0);
  await s3.send(
    new PutObjectCommand({ Bucket: 'crash', Key: 'mme/a.tar.gz', Body: await linearModelTarball([1, 2], 0) }),
  );
  await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: 'batch/in.csv', Body: '1,2\n' }));

  const serving = await deployModel(sagemaker, 'serving', {
    PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: model },
  });
  const workers = await deployModel(sagemaker, 'workers', {
    PrimaryContainer: {
      Image: exampleImage('classic-byoc'),
      ModelDataUrl: model,
      Environment: { BYOC_PORTABLE: 'true', BYOC_WORKERS: '1' },
    },
  });
  await createEndpoint(sagemaker, 'multi-model', {
    Image: LINEAR_IMAGE,
    Mode: 'MultiModel',
    ModelDataUrl: 's3://crash/mme/',
  });
  await createEndpoint(sagemaker, 'starting', { Image: LINEAR_IMAGE, ModelDataUrl: model, Environment: SLOW_START });
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: 'batch',
      PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: model, Environment: SLOW_START },
    }),
  );
  await sagemaker.send(
    new CreateTransformJobCommand({
      TransformJobName: 'batch',
      ModelName: 'batch',
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://crash/batch/' } } },
      TransformOutput: { S3OutputPath: 's3://crash/batch-out/' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    }),
  );
  await waitForEndpoint(sagemaker, 'multi-model');
  const loaded = await runtime.send(
    new InvokeEndpointCommand({
      EndpointName: 'multi-model',
      TargetModel: 'a.tar.gz',
      ContentType: 'text/csv',
      Body: '1,2',
    }),
  );
  // serving, multi-model, starting and the job's model server (one process each), and classic-byoc's serve, front
  // worker, app master and app worker
  await command.until(() => modelProcesses(command).length === 8, 'every model process running');

  expect([serving.EndpointStatus, workers.EndpointStatus]).toEqual(['InService', 'InService']);
  expect(Buffer.from(loaded.Body).toString().trim()).toBe('5');
  return started;
}

/** The run's processes but the containers' watchers. */
function modelProcesses(command: SpawnedCommand): number[] {
  return command.processes().filter((pid) => !commandLine(pid).includes(WATCHER_NAME));
}

/** This very process (same pid and start time) still runs. */
function stillRuns(process: ProcStat): boolean {
  const now = readStat(process.pid);
  return now !== undefined && now.state !== 'Z' && now.startTime === process.startTime;
}

describe('an emulator killed with SIGKILL', () => {
  it('leaves no model process and no private folder once the safety net has run, with no later start', async () => {
    const stateDir = freshStateDir();
    const { command } = await busyEmulator(stateDir);
    const folders = command.environmentValues('TMPDIR').filter((dir) => dir.includes('smwf-container-'));

    const ended = await command.interrupt('SIGKILL');
    const left = await whenNoneLeft(command);

    expect(ended.signal).toBe('SIGKILL');
    expect(left).toEqual([]);
    expect(folders).toHaveLength(5);
    expect(folders.filter(existsSync)).toEqual([]);
  });

  it('is cleaned up by the next start on its state directory (safety net killed too), which then hosts InService endpoints again', async () => {
    const stateDir = freshStateDir();
    const first = await busyEmulator(stateDir);
    const folders = first.command.environmentValues('TMPDIR').filter((dir) => dir.includes('smwf-container-'));
    const watchers = first.command.processes().filter((pid) => commandLine(pid).includes(WATCHER_NAME));
    for (const pid of watchers) process.kill(pid, 'SIGKILL');
    // A watcher that is still exiting has an environment but no command line left: not yet, it would count as a model.
    await first.command.until(() => !watchers.some(processAlive), 'the watchers ended');
    const models = modelProcesses(first.command).flatMap((pid) => readStat(pid) ?? []);

    await first.command.interrupt('SIGKILL');
    const survivorsOfTheCrash = models.filter(stillRuns);
    const second = await localStart(stateDir);
    const leftAfterRestart = models.filter(stillRuns);
    const foldersAfterRestart = folders.filter(existsSync);
    const served = await second.runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'serving', ContentType: 'text/csv', Body: '2,3' }),
    );
    const starting = await second.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'starting' }));
    const ended = await second.command.interrupt('SIGINT');

    expect(watchers).toHaveLength(5);
    // Without its safety net every model process outlived the emulator: only the next start can stop them.
    expect(survivorsOfTheCrash).toHaveLength(models.length);
    expect(models).toHaveLength(8);
    expect(leftAfterRestart).toEqual([]);
    expect(foldersAfterRestart).toEqual([]);
    expect(Buffer.from(served.Body).toString().trim()).toBe('5');
    expect(starting.EndpointStatus).toBe('Creating');
    expect(ended.code).toBe(130);
    expect(second.command.lines.at(-1)).toMatch(
      /^smwf local start: interrupted \(SIGINT\): stopped \d+ model processes$/,
    );
    expect(second.command.processes()).toEqual([]);
    expect(first.command.processes()).toEqual([]);
    expect(readdirSync(join(stateDir, 'containers'))).toEqual([]);
  });
});
