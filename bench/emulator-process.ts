/**
 * The local emulator in a process of its own, so the CPU it uses and its peak RSS are not the benchmark's:
 * `startEmulatorProcess` spawns this file, which starts the emulator, prints its URL, and once its stdin
 * closes stops it and prints its peak RSS. Interrupted (Ctrl-C reaches it with the benchmark; the benchmark passes
 * SIGTERM on when only it was signalled), it stops its model processes and reports how many as a JSON line. Also the
 * example linear model the benchmarks deploy.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import {
  type ContainerDefinition,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { exampleImage, exampleModelArchive } from '../examples/example-models.ts';
import { exitOnInterrupt, startEmulator, stopWhenInterrupted } from '../local/emulator/index.ts';
import { RUNNER_VARIABLE } from './summary.ts';

/**
 * Creates a model of `container`, its config (one ml.m5.large, plus `config`'s members, e.g. AsyncInferenceConfig)
 * and the endpoint `name`, and waits until it serves.
 */
export async function deployBenchEndpoint(
  sagemaker: SageMakerClient,
  name: string,
  container: ContainerDefinition,
  config: Pick<CreateEndpointConfigCommandInput, 'AsyncInferenceConfig'> = {},
): Promise<void> {
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      PrimaryContainer: container,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/bench',
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: name, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      ...config,
    }),
  );
  await sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  for (;;) {
    const { EndpointStatus, FailureReason } = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    if (EndpointStatus === 'InService') return;
    if (EndpointStatus !== 'Creating') throw new Error(`endpoint ${EndpointStatus}: ${FailureReason}`);
    // The emulator starts the model server in a few hundred milliseconds; poll it.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The example linear model server's image (the emulator runs examples/containers/linear for it). */
export const LINEAR_IMAGE = exampleImage('linear');

/** The example linear model (examples/models/linear-v1) as a model.tar.gz. */
export const linearModelArchive = () => exampleModelArchive('linear-v1');

/** An emulator running in a child process. */
interface EmulatorProcess {
  /** Its base URL (AWS_ENDPOINT_URL). */
  readonly url: string;
  /** The emulator process's id (its model servers are its children). */
  readonly pid: number | undefined;
  /** Stops the emulator (and its model processes) and returns the emulator process's peak RSS in MB. */
  stop(): Promise<{ maxRssMb: number }>;
  /** Kills the child at once (cleanup after a failure). */
  kill(): void;
}

/** Starts the emulator on a free port with its state in `stateDir`, in a child process. */
export async function startEmulatorProcess(stateDir: string): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), stateDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
    // A process group of its own: only the benchmark signals it (a terminal's Ctrl-C and the benchmark's SIGTERM,
    // in either order, would look like two), and its stdin ends when the benchmark is gone, however it ends.
    detached: true,
  });
  const lines: string[] = [];
  /** How many model processes the child stopped when it was interrupted. */
  let interruptedStopped = 0;
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      const report = /^\{"interrupted":/.test(line)
        ? (JSON.parse(line) as { interrupted: { stopped: number } })
        : undefined;
      if (report) interruptedStopped = report.interrupted.stopped;
      else lines.push(line);
    }
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // The benchmark interrupted: the child stops its model processes (SIGTERM never escalates; a second Ctrl-C does).
  const forget = stopWhenInterrupted({
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await closed;
      return interruptedStopped;
    },
    kill() {
      child.kill('SIGINT');
    },
  });
  void closed.then(forget);
  const nextLine = async () => {
    for (let i = 0; i < 600 && lines.length === 0 && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const line = lines.shift();
    if (line === undefined) throw new Error('the emulator process did not answer');
    return JSON.parse(line) as Record<string, unknown>;
  };
  try {
    const { url } = (await nextLine()) as { url: string };
    return {
      url,
      pid: child.pid,
      async stop() {
        child.stdin.end();
        const { maxRssMb } = (await nextLine()) as { maxRssMb: number };
        if (child.exitCode === null) await once(child, 'exit');
        return { maxRssMb };
      },
      kill() {
        child.kill('SIGTERM');
      },
    };
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
}

/** The child: runs the emulator, prints its URL, and its peak RSS once stdin closes. */
async function runEmulator(stateDir: string): Promise<void> {
  exitOnInterrupt({
    label: 'bench emulator',
    // The benchmark says it, in its one line: this process tells it how many model processes it stopped.
    report: (outcome, stdout) => stdout(`${JSON.stringify({ interrupted: outcome })}\n`),
  });
  const emulator = await startEmulator({ stateDir, port: 0, stopGraceMs: 1000 });
  process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  await emulator.stop();
  process.stdout.write(`${JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runEmulator(String(process.argv[2]));

/**
 * Takes Ctrl-C, SIGTERM and SIGHUP for benchmark `name` (call it first): its emulators, in this process or in an
 * emulator process, stop their model processes, and one line says how many. Under `npm run bench`, the end of stdin
 * (the runner is gone, however it ended) stops it as SIGTERM does.
 */
export function stopEmulatorsOnInterrupt(name: string): void {
  exitOnInterrupt({ label: `bench ${name}` });
  if (process.env[RUNNER_VARIABLE] === '1') {
    process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.resume();
    // Watching must not keep the benchmark alive once it is done.
    (process.stdin as NodeJS.ReadStream & { unref?: () => void }).unref?.();
  }
}

/** The region the benchmarks' clients and the emulator's logs use. */
export const BENCH_REGION = 'us-east-1';

/**
 * The S3, SageMaker and SageMaker Runtime clients of a benchmark, pointed at the emulator at `url`; `maxAttempts`
 * 1 makes every figure count one attempt.
 */
export function emulatorClients(
  url: string,
  options: { maxAttempts?: number } = {},
): { s3: S3Client; sagemaker: SageMakerClient; runtime: SageMakerRuntimeClient } {
  const common = {
    endpoint: url,
    region: BENCH_REGION,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    ...options,
  };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    sagemaker: new SageMakerClient(common),
    runtime: new SageMakerRuntimeClient(common),
  };
}
