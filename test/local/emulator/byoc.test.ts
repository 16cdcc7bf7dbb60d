import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelCommand,
  CreateTransformJobCommand,
  DeleteEndpointCommand,
  type DescribeEndpointCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleImage } from '../../../examples/example-models.ts';
import { hostFacts, isolationTools } from '../../../local/emulator/hosting/isolation.ts';
import { freePort } from '../../../local/emulator/hosting/ports.ts';
import type { ImagesFile } from '../../../local/emulator/index.ts';
import {
  clients,
  deployModel,
  processesWithEnvironment,
  spawnLocalStart,
  startTestEmulator,
  tempStateDir,
  uploadLinearModel,
  waitForTransformJob,
  waitUntilDeleted,
} from './helpers.ts';

const CLASSIC_SERVER = fileURLToPath(new URL('../../../examples/containers/classic-byoc/server.mjs', import.meta.url));
/** The example as a plain process (the built-in image). */
const PLAIN_IMAGE = exampleImage('classic-byoc');
/** The example in isolation mode (mapped by the images file below). */
const ISOLATED_IMAGE = 'registry.example.com/acme/classic-byoc:isolated';
const IMAGES: ImagesFile = {
  images: { '*/classic-byoc:isolated': { command: [process.execPath, CLASSIC_SERVER], isolation: 'namespaces' } },
};
/** The fixed socket path the example uses when it is not told otherwise. */
const FIXED_SOCKET = '/tmp/smwf-classic-byoc.sock';

const RUN = `${process.pid}-${Date.now()}`;
/**
 * The /ping window of the emulator whose endpoints are meant to fail it: short, as each such test waits it out.
 * Programs meant to serve get a window of their own, long enough for a loaded machine.
 */
const FAILING_PING_WINDOW_SECONDS = 5;
const SERVING_PING_WINDOW_SECONDS = 60;
/** What a FailureReason says when a plain process's log names /opt/ml/model on a machine without it (a pattern). */
const MODEL_PATH_HINT =
  'Its log mentions /opt/ml/model, which does not exist on this machine: a program with a fixed model path runs unchanged in the emulator\'s isolation mode \\("isolation": "namespaces" in the images file\\), which mounts the model there read-only; otherwise it must read the model from SM_MODEL_DIR\\.';

/** The real user id a process runs as (`Uid:` in /proc/<pid>/status). */
function userOf(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Uid:'));
    return line === undefined ? undefined : Number(line.split(/\s+/)[1]);
  } catch {
    return undefined;
  }
}

/** The Environment entry that marks every process of an endpoint's containers (see processesWithEnvironment). */
const marker = (endpoint: string) => `SMWF_TEST_CONTAINER=${endpoint}-${RUN}`;

/** Deploys the example image with `environment` and the marker of endpoint `name`, and waits until it settles. */
function deploy(
  sagemaker: SageMakerClient,
  name: string,
  image: string,
  modelDataUrl: string,
  environment: Record<string, string> = {},
): Promise<DescribeEndpointCommandOutput> {
  return deployModel(sagemaker, name, {
    PrimaryContainer: {
      Image: image,
      ModelDataUrl: modelDataUrl,
      Environment: { ...environment, SMWF_TEST_CONTAINER: `${name}-${RUN}` },
    },
  });
}

/** Invokes with one CSV row and returns the example's JSON answer. */
async function predict(runtime: SageMakerRuntimeClient, endpoint: string, row: string) {
  const out = await runtime.send(
    new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: 'text/csv', Body: row }),
  );
  return JSON.parse(Buffer.from(out.Body).toString('utf8')) as {
    predictions: number[];
    modelDir: { path: string; writable: boolean };
  };
}

/** Polls until no process carries the marker `entry` (bounded); returns those still running. */
async function whenGone(entry: string, timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = processesWithEnvironment(entry);
    if (running.length === 0 || Date.now() > deadline) return running;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function deleteEndpoint(sagemaker: SageMakerClient, name: string): Promise<void> {
  await sagemaker.send(new DeleteEndpointCommand({ EndpointName: name }));
  await waitUntilDeleted(sagemaker, name);
}

describe('bring your own container', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let sagemaker: SageMakerClient;
  let runtime: SageMakerRuntimeClient;
  let s3: S3Client;
  let alpha: string;
  let beta: string;
  /** An emulator with a short /ping window, for the programs that must fail it, and its copy of alpha. */
  let failing: Awaited<ReturnType<typeof startTestEmulator>>;
  let failingSagemaker: SageMakerClient;
  let failingAlpha: string;

  beforeAll(async () => {
    [emulator, failing] = await Promise.all([
      startTestEmulator({ startupTimeoutSeconds: SERVING_PING_WINDOW_SECONDS, images: IMAGES }),
      startTestEmulator({ startupTimeoutSeconds: FAILING_PING_WINDOW_SECONDS, images: IMAGES }),
    ]);
    ({ sagemaker, runtime, s3 } = clients(emulator.url));
    // alpha predicts the first feature, beta always 100: an answer shows which model served it.
    alpha = await uploadLinearModel(s3, 'byoc', 'alpha/model.tar.gz', [1, 0], 0);
    beta = await uploadLinearModel(s3, 'byoc', 'beta/model.tar.gz', [0, 0], 100);
    const failingClients = clients(failing.url);
    failingSagemaker = failingClients.sagemaker;
    failingAlpha = await uploadLinearModel(failingClients.s3, 'byoc', 'alpha/model.tar.gz', [1, 0], 0);
  });

  afterAll(async () => {
    await Promise.all([emulator?.stop(), failing?.stop()]);
  });

  // Each waits out the failing emulator's /ping window with an endpoint of its own: they run at once.
  describe.concurrent('programs that never pass /ping', () => {
    it('fails a program with a fixed port run as a plain process, naming the port it listens on, and leaves none of its processes', async () => {
      // A port and socket path of this run, not the machine's 8080 and /tmp: they stay fixed, whatever SageMaker says.
      const fixedPort = await freePort();
      const socket = join(await tempStateDir(), 'app.sock');

      const endpoint = await deploy(failingSagemaker, 'fixed-port', PLAIN_IMAGE, failingAlpha, {
        BYOC_PORT: String(fixedPort),
        BYOC_SOCKET: socket,
      });

      expect(endpoint.EndpointStatus).toBe('Failed');
      expect(endpoint.FailureReason).toMatch(
        new RegExp(
          `^The primary container for production variant AllTraffic did not pass the ping health check: nothing answered on port \\d+ \\(SAGEMAKER_BIND_TO_PORT\\) within ${FAILING_PING_WINDOW_SECONDS} seconds; the container listens on port ${fixedPort}\\. A program with a fixed port runs unchanged in the emulator's isolation mode \\("isolation": "namespaces" in the images file\\); otherwise it must listen on SAGEMAKER_BIND_TO_PORT\\. ${MODEL_PATH_HINT} Please check CloudWatch logs for this endpoint\\. Last log lines: `,
        ),
      );
      expect(endpoint.FailureReason).toContain('cannot load the model from /opt/ml/model');
      expect(processesWithEnvironment(marker('fixed-port'))).toEqual([]);
    });

    it('fails a plain-process program that reads its model from /opt/ml/model on a machine without it, saying that isolation mode provides it', async () => {
      const endpoint = await deploy(failingSagemaker, 'fixed-model-dir', PLAIN_IMAGE, failingAlpha, {
        BYOC_PORTABLE: 'true',
        BYOC_MODEL_DIR: '/opt/ml/model',
      });

      expect(existsSync('/opt/ml/model')).toBe(false);
      expect(endpoint.EndpointStatus).toBe('Failed');
      expect(endpoint.FailureReason).toMatch(
        new RegExp(
          `^The primary container for production variant AllTraffic did not pass the ping health check\\. ${MODEL_PATH_HINT} Please check CloudWatch logs for this endpoint\\. Last log lines: [^]*cannot load the model from /opt/ml/model`,
        ),
      );
      expect(processesWithEnvironment(marker('fixed-model-dir'))).toEqual([]);
    });

    it('names the port an isolated program listens on when it is not 8080', async () => {
      const endpoint = await deploy(failingSagemaker, 'isolated-5000', ISOLATED_IMAGE, failingAlpha, {
        BYOC_PORT: '5000',
      });

      expect(endpoint.EndpointStatus).toBe('Failed');
      expect(endpoint.FailureReason).toMatch(
        new RegExp(
          `^The primary container for production variant AllTraffic did not pass the ping health check: nothing answered on port 8080 \\(SAGEMAKER_BIND_TO_PORT\\) within ${FAILING_PING_WINDOW_SECONDS} seconds; the container listens on port 5000, and SageMaker sends requests to port 8080\\. Please check CloudWatch logs for this endpoint\\. Last log lines: `,
        ),
      );
      expect(processesWithEnvironment(marker('isolated-5000'))).toEqual([]);
    });
  });

  it('serves two copies of an nginx-style program (front workers as nobody, the app server socket under TMPDIR) that reads SAGEMAKER_BIND_TO_PORT, SM_MODEL_DIR and TMPDIR, and DeleteEndpoint leaves none of their processes', async () => {
    const portable = { BYOC_PORTABLE: 'true' };

    const [first, second] = await Promise.all([
      deploy(sagemaker, 'portable-alpha', PLAIN_IMAGE, alpha, portable),
      deploy(sagemaker, 'portable-beta', PLAIN_IMAGE, beta, portable),
    ]);
    const answers = await Promise.all([
      predict(runtime, 'portable-alpha', '4,5'),
      predict(runtime, 'portable-beta', '4,5'),
    ]);
    // serve, its front worker, the app master and its two workers, and the container's watcher
    const running = processesWithEnvironment(marker('portable-alpha'));
    // nginx's workers run unprivileged and reach the app server's socket in TMPDIR: a private temp that is like /tmp
    const unprivileged = running.filter((pid) => userOf(pid) === 65534);
    await deleteEndpoint(sagemaker, 'portable-alpha');
    const afterDelete = processesWithEnvironment(marker('portable-alpha'));
    const otherStillServes = await predict(runtime, 'portable-beta', '1,1');
    await deleteEndpoint(sagemaker, 'portable-beta');

    expect([first.EndpointStatus, second.EndpointStatus]).toEqual(['InService', 'InService']);
    expect(answers.map((a) => a.predictions)).toEqual([[4], [100]]);
    expect(running).toHaveLength(6);
    expect(unprivileged).toHaveLength(1);
    expect(afterDelete).toEqual([]);
    expect(otherStillServes.predictions).toEqual([100]);
    expect(processesWithEnvironment(marker('portable-beta'))).toEqual([]);
  });

  it('fails the later of two plain-process containers that listen on the same fixed socket path, naming the path and isolation mode', async () => {
    // A fixed path of this run (not the machine's /tmp), in a folder anyone may traverse, as /tmp.
    const folder = await tempStateDir();
    await chmod(folder, 0o711);
    const socket = join(folder, 'app.sock');
    const fixedSocket = { BYOC_PORTABLE: 'true', BYOC_SOCKET: socket };

    const first = await deploy(sagemaker, 'fixed-socket-first', PLAIN_IMAGE, alpha, fixedSocket);
    const second = await deploy(sagemaker, 'fixed-socket-second', PLAIN_IMAGE, beta, fixedSocket);
    const secondLeft = processesWithEnvironment(marker('fixed-socket-second'));
    await deleteEndpoint(sagemaker, 'fixed-socket-first');

    expect(first.EndpointStatus).toBe('InService');
    expect(second.EndpointStatus).toBe('Failed');
    expect(second.FailureReason).toMatch(
      new RegExp(
        `^The primary container for production variant AllTraffic listens on the unix socket ${socket}, which another running container \\(process \\d+\\) listens on too: two plain-process containers with a fixed socket path answer each other's requests\\. A program with fixed socket paths runs unchanged in the emulator's isolation mode \\("isolation": "namespaces" in the images file\\), where each container has its own /tmp; otherwise it must keep its sockets under TMPDIR\\. Please check CloudWatch logs for this endpoint\\.`,
      ),
    );
    expect(secondLeft).toEqual([]);
    expect(processesWithEnvironment(marker('fixed-socket-first'))).toEqual([]);
  });

  describe('isolation mode', () => {
    it('runs on this machine (Linux, root, unshare, mount and ip)', () => {
      // Every other test here needs it: when this fails, the reason is the emulator's own.
      expect(isolationTools(hostFacts())).not.toHaveProperty('unsupported');
    });

    it('runs the classic program unchanged: two endpoints at once, each on port 8080 with its own read-only /opt/ml/model and /tmp, and DeleteEndpoint leaves none of their processes', async () => {
      const [first, second] = await Promise.all([
        deploy(sagemaker, 'isolated-alpha', ISOLATED_IMAGE, alpha),
        deploy(sagemaker, 'isolated-beta', ISOLATED_IMAGE, beta),
      ]);
      const answers = await Promise.all([
        predict(runtime, 'isolated-alpha', '4,5'),
        predict(runtime, 'isolated-beta', '4,5'),
      ]);
      // unshare, the namespace's process 1 (mounts and relay), serve, its front worker, the app master and its two
      // workers, and the container's watcher
      const running = [
        processesWithEnvironment(marker('isolated-alpha')),
        processesWithEnvironment(marker('isolated-beta')),
      ];
      const socketOnHost = existsSync(FIXED_SOCKET);
      await Promise.all([deleteEndpoint(sagemaker, 'isolated-alpha'), deleteEndpoint(sagemaker, 'isolated-beta')]);

      expect(first.FailureReason).toBeUndefined();
      expect([first.EndpointStatus, second.EndpointStatus]).toEqual(['InService', 'InService']);
      expect(answers).toEqual([
        { predictions: [4], modelDir: { path: '/opt/ml/model', writable: false } },
        { predictions: [100], modelDir: { path: '/opt/ml/model', writable: false } },
      ]);
      expect(running.map((pids) => pids.length)).toEqual([8, 8]);
      expect(socketOnHost).toBe(false);
      expect(processesWithEnvironment(marker('isolated-alpha'))).toEqual([]);
      expect(processesWithEnvironment(marker('isolated-beta'))).toEqual([]);
    });

    it('runs a batch transform with the classic program unchanged, and stops it when the job ends', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'byoc', Key: 'batch-in/rows.csv', Body: '4,5\n7,1\n' }));
      await sagemaker.send(
        new CreateModelCommand({
          ModelName: 'isolated-batch',
          PrimaryContainer: {
            Image: ISOLATED_IMAGE,
            ModelDataUrl: alpha,
            Environment: { SMWF_TEST_CONTAINER: `isolated-batch-${RUN}` },
          },
        }),
      );

      await sagemaker.send(
        new CreateTransformJobCommand({
          TransformJobName: 'isolated-batch',
          ModelName: 'isolated-batch',
          TransformInput: {
            DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://byoc/batch-in/' } },
            ContentType: 'text/csv',
            SplitType: 'Line',
          },
          TransformOutput: { S3OutputPath: 's3://byoc/batch-out/', AssembleWith: 'Line' },
          TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
        }),
      );
      const job = await waitForTransformJob(sagemaker, 'isolated-batch');
      const output = await s3.send(new GetObjectCommand({ Bucket: 'byoc', Key: 'batch-out/rows.csv.out' }));
      const lines = ((await output.Body?.transformToString()) ?? '').trim().split('\n');

      expect(job.FailureReason).toBeUndefined();
      expect(job.TransformJobStatus).toBe('Completed');
      expect(lines.map((line) => JSON.parse(line))).toEqual([
        { predictions: [4], modelDir: { path: '/opt/ml/model', writable: false } },
        { predictions: [7], modelDir: { path: '/opt/ml/model', writable: false } },
      ]);
      expect(await whenGone(marker('isolated-batch'))).toEqual([]);
    });

    it('stops every process of its containers, isolated or not, when the emulator stops', async () => {
      const own = await startTestEmulator({ startupTimeoutSeconds: SERVING_PING_WINDOW_SECONDS, images: IMAGES });
      const { sagemaker: client, s3 } = clients(own.url);
      const model = await uploadLinearModel(s3, 'byoc', 'alpha/model.tar.gz', [1, 0], 0);
      const endpoints = await Promise.all([
        deploy(client, 'stop-isolated', ISOLATED_IMAGE, model),
        deploy(client, 'stop-plain', PLAIN_IMAGE, model, { BYOC_PORTABLE: 'true' }),
      ]);
      const running = [
        processesWithEnvironment(marker('stop-isolated')),
        processesWithEnvironment(marker('stop-plain')),
      ];

      await own.stop();

      expect(endpoints.map((e) => e.EndpointStatus)).toEqual(['InService', 'InService']);
      expect(running.map((pids) => pids.length)).toEqual([8, 6]);
      expect(processesWithEnvironment(marker('stop-isolated'))).toEqual([]);
      expect(processesWithEnvironment(marker('stop-plain'))).toEqual([]);
    });

    // Each runs an emulator of its own: they run at once.
    describe.concurrent('where it cannot work', () => {
      /** Runs `smwf local start` behind `prefix`, deploys the isolated example and returns the settled endpoint. */
      async function deployBehind(prefix: string[]): Promise<DescribeEndpointCommandOutput> {
        const dir = await tempStateDir();
        await chmod(dir, 0o777); // the emulator may run as another user
        const images = join(dir, 'images.json');
        await writeFile(images, JSON.stringify(IMAGES));
        const started = await spawnLocalStart(
          ['--port', '0', '--state-dir', join(dir, 'state'), '--images', images, '--startup-timeout', '2'],
          prefix,
        );
        try {
          const { sagemaker: client, s3 } = clients(started.url);
          const model = await uploadLinearModel(s3, 'byoc', 'alpha/model.tar.gz', [1, 0], 0);
          return await deploy(client, 'refused', ISOLATED_IMAGE, model);
        } finally {
          started.child.kill('SIGTERM');
          await once(started.child, 'exit');
        }
      }

      it('fails the endpoint saying why when the emulator does not run as root', async () => {
        const endpoint = await deployBehind(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);

        expect(endpoint.EndpointStatus).toBe('Failed');
        expect(endpoint.FailureReason).toBe(
          `The primary container for production variant AllTraffic could not be started: the emulator's images file runs image '${ISOLATED_IMAGE}' in isolation mode ("isolation": "namespaces"), which needs root to create mount and network namespaces; the emulator runs as uid 65534. Please check CloudWatch logs for this endpoint.`,
        );
      });

      it('fails the endpoint saying why when the namespaces cannot be created', async () => {
        // root, but without CAP_SYS_ADMIN (as in a container that was not given it): unshare is refused
        const endpoint = await deployBehind(['setpriv', '--bounding-set=-sys_admin']);

        expect(endpoint.EndpointStatus).toBe('Failed');
        expect(endpoint.FailureReason).toBe(
          "The primary container for production variant AllTraffic could not be started in the emulator's isolation mode: unshare exited with code 1 before the namespaces were set up. Please check CloudWatch logs for this endpoint. Last log lines: unshare: unshare failed: Operation not permitted",
        );
      });
    });
  });
});
