import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type CreateModelCommandInput,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  DescribeTransformJobCommand,
  type DescribeTransformJobCommandOutput,
  type ProductionVariant,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { exampleImage, packModelDirectory } from '../../../examples/example-models.ts';
import { WATCHER_NAME } from '../../../local/emulator/hosting/container-records.ts';
import { processAlive } from '../../../local/emulator/hosting/process-tree.ts';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../../local/emulator/index.ts';

/** The image that runs examples/containers/linear. */
export const LINEAR_IMAGE = exampleImage('linear');

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Real AWS SDK clients pointed at an emulator. */
export function clients(url: string, maxAttempts = 3) {
  const common = { endpoint: url, region: 'us-east-1', credentials, maxAttempts };
  return {
    sagemaker: new SageMakerClient(common),
    runtime: new SageMakerRuntimeClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    events: new EventBridgeClient(common),
  };
}

/** A fresh temp state directory (under the run's temp root, test/global-setup.ts, removed when the run ends). */
export function tempStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'smwf-emulator-test-'));
}

/** Starts an emulator on a free port with a temp state dir and a short startup window. */
export async function startTestEmulator(
  options: Partial<EmulatorOptions> = {},
): Promise<Emulator & { stateDir: string }> {
  const stateDir = options.stateDir ?? (await tempStateDir());
  const emulator = await startEmulator({ startupTimeoutSeconds: 5, stopGraceMs: 2000, ...options, stateDir });
  return Object.assign(emulator, { stateDir });
}

/** Builds a model.tar.gz with weights.json for the linear example. */
export async function linearModelTarball(coefficients: number[], intercept: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'smwf-model-'));
  try {
    await writeFile(join(dir, 'weights.json'), JSON.stringify({ coefficients, intercept }));
    return await packModelDirectory(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Uploads a linear model artifact and returns its s3:// URI. */
export async function uploadLinearModel(
  s3: S3Client,
  bucket: string,
  key: string,
  coefficients: number[],
  intercept: number,
) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: await linearModelTarball(coefficients, intercept) }),
  );
  return `s3://${bucket}/${key}`;
}

/** Calls `check` every `intervalMs` until it returns a value; after `timeoutMs`, throws `${what()}`. */
async function pollFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: () => string,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what()} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls DescribeEndpoint until the status is not transitional (bounded). */
export function waitForEndpoint(
  sagemaker: SageMakerClient,
  name: string,
  timeoutMs = 30_000,
): Promise<DescribeEndpointCommandOutput> {
  let status: string | undefined;
  return pollFor(
    async () => {
      const out = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
      status = out.EndpointStatus;
      return ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'].includes(status ?? '')
        ? undefined
        : out;
    },
    timeoutMs,
    () => `endpoint ${name} still ${status}`,
    100,
  );
}

/**
 * Creates model `name` from `model`, a one-variant config (AllTraffic, one ml.m5.large, with `variant`'s members over
 * those) and an endpoint of the same name, and waits until the endpoint settles.
 */
export async function deployModel(
  sagemaker: SageMakerClient,
  name: string,
  model: Omit<CreateModelCommandInput, 'ModelName'>,
  variant: Partial<ProductionVariant> = {},
): Promise<DescribeEndpointCommandOutput> {
  await sagemaker.send(new CreateModelCommand({ ModelName: name, ...model }));
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: name,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          ...variant,
        },
      ],
    }),
  );
  await sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  return waitForEndpoint(sagemaker, name);
}

/** Catches the error a promise rejects with. */
export async function errorOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** Polls DescribeTransformJob until the job has ended (bounded). */
export function waitForTransformJob(
  sagemaker: SageMakerClient,
  name: string,
  timeoutMs = 20_000,
): Promise<DescribeTransformJobCommandOutput> {
  let status: string | undefined;
  return pollFor(
    async () => {
      const out = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name }));
      status = out.TransformJobStatus;
      return ['InProgress', 'Stopping'].includes(status ?? '') ? undefined : out;
    },
    timeoutMs,
    () => `job ${name} still ${status}`,
  );
}

/** Polls DescribeEndpoint until the endpoint is gone (bounded); resolves with the error that says so. */
export function waitUntilDeleted(sagemaker: SageMakerClient, name: string, timeoutMs = 10_000): Promise<Error> {
  return pollFor(
    () =>
      sagemaker
        .send(new DescribeEndpointCommand({ EndpointName: name }))
        .then(() => undefined)
        .catch((err: Error) => err),
    timeoutMs,
    () => `endpoint ${name} still exists`,
  );
}

/**
 * The living processes (zombies excluded) whose environment holds `entry` (`NAME=value`): a marker set in a model's
 * Environment finds every process of its containers, whatever namespace or process group they run in. Linux only.
 */
export function processesWithEnvironment(entry: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry) && processAlive(pid);
      } catch {
        return false;
      }
    });
}

/**
 * The model processes among processesWithEnvironment(entry): without the launch's watcher shells, which carry the
 * container's environment too (local/emulator/hosting/container-records.ts).
 */
export function modelProcessesWithEnvironment(entry: string): number[] {
  return processesWithEnvironment(entry).filter((pid) => {
    try {
      return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(WATCHER_NAME);
    } catch {
      return false;
    }
  });
}

const CLI = fileURLToPath(new URL('../../../cli/bin.js', import.meta.url));

/**
 * Runs `smwf local start <args>` in a child process, behind `prefix` (e.g. `setpriv ...`), and resolves once it has
 * printed its AWS_ENDPOINT_URL; `output()` is everything it printed so far. The caller stops the child.
 */
export async function spawnLocalStart(
  args: string[],
  prefix: string[] = [],
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const [command, ...rest] = [...prefix, process.execPath, CLI, 'local', 'start', ...args] as [string, ...string[]];
  const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /AWS_ENDPOINT_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`smwf local start exited with ${code}: ${output}`));
    });
  });
  return { url, child, output: () => output };
}
