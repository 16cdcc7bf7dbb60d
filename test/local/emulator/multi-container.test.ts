import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type CreateModelCommandInput,
  type DescribeEndpointCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  type SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleImage, exampleModelArchive } from '../../../examples/example-models.ts';
import { clients, deployModel, errorOf, startTestEmulator } from './helpers.ts';

const LINEAR = exampleImage('linear');
const FEATURIZER = exampleImage('featurizer');
const ECHO = exampleImage('echo');
const BUCKET = 'mce-artifacts';
const MIB = 1024 * 1024;

type ModelError = Error & {
  $metadata: { httpStatusCode?: number };
  OriginalStatusCode?: number;
  OriginalMessage?: string;
};

describe('multi-container endpoints (Direct) and serial inference pipelines on the emulator', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let sagemaker: SageMakerClient;
  let runtime: SageMakerRuntimeClient;
  let s3: S3Client;
  const model = (folder: string) => `s3://${BUCKET}/${folder}/model.tar.gz`;

  function deploy(
    name: string,
    containers: NonNullable<CreateModelCommandInput['Containers']>,
    mode?: 'Serial' | 'Direct',
  ): Promise<DescribeEndpointCommandOutput> {
    return deployModel(sagemaker, name, {
      ...(containers.length === 1 ? { PrimaryContainer: containers[0] } : { Containers: containers }),
      ...(mode ? { InferenceExecutionConfig: { Mode: mode } } : {}),
    });
  }

  async function invoke(input: Omit<InvokeEndpointCommandInput, 'Body'> & { Body: string | Uint8Array }) {
    const out = await runtime.send(new InvokeEndpointCommand(input));
    return { text: Buffer.from(out.Body).toString('utf8'), contentType: out.ContentType };
  }

  /** The endpoint's container log files (name -> text). */
  async function logs(endpoint: string): Promise<Map<string, string>> {
    const dir = join(emulator.stateDir, 'logs', 'us-east-1', 'aws', 'sagemaker', 'Endpoints', endpoint);
    const files = await readdir(dir);
    return new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(dir, f), 'utf8')] as const)));
  }

  const seeLogs = (endpoint: string) =>
    `See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEventViewer:group=/aws/sagemaker/Endpoints/${endpoint} in account 123456789012 for more information.`;

  beforeAll(async () => {
    emulator = await startTestEmulator({ startupTimeoutSeconds: 5 });
    ({ sagemaker, runtime, s3 } = clients(emulator.url));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const folder of ['linear-v1', 'linear-v3-broken', 'linear-standardized-v1', 'featurizer-v1']) {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `${folder}/model.tar.gz`,
          Body: await exampleModelArchive(folder),
        }),
      );
    }
    await Promise.all([
      deploy('single', [{ Image: LINEAR, ModelDataUrl: model('linear-v1') }]),
      deploy(
        'direct',
        [
          { Image: LINEAR, ContainerHostname: 'linear', ModelDataUrl: model('linear-v1') },
          { Image: FEATURIZER, ContainerHostname: 'featurizer', ModelDataUrl: model('featurizer-v1') },
        ],
        'Direct',
      ),
      deploy('pipeline', [
        { Image: FEATURIZER, ContainerHostname: 'featurizer', ModelDataUrl: model('featurizer-v1') },
        { Image: LINEAR, ContainerHostname: 'linear', ModelDataUrl: model('linear-standardized-v1') },
      ]),
      deploy('broken-pipeline', [
        { Image: FEATURIZER, ContainerHostname: 'featurizer', ModelDataUrl: model('featurizer-v1') },
        { Image: LINEAR, ContainerHostname: 'linear', ModelDataUrl: model('linear-v3-broken') },
      ]),
      deploy(
        'echo-chain',
        [
          { Image: ECHO, Environment: { SMWF_ECHO_NAME: 'a' } },
          { Image: ECHO, Environment: { SMWF_ECHO_NAME: 'b', SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'text/csv' } },
          { Image: ECHO, Environment: { SMWF_ECHO_NAME: 'c' } },
        ],
        'Serial',
      ),
      deploy('csv-hop', [
        {
          Image: FEATURIZER,
          ContainerHostname: 'featurizer',
          ModelDataUrl: model('featurizer-v1'),
          Environment: { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'text/csv' },
        },
        { Image: ECHO, ContainerHostname: 'echo', Environment: { SMWF_ECHO_NAME: 'echo' } },
      ]),
      deploy('big-hop', [
        { Image: ECHO, ContainerHostname: 'passthrough', Environment: { SMWF_ECHO_RAW: 'true' } },
        { Image: ECHO, ContainerHostname: 'tail', Environment: { SMWF_ECHO_NAME: 'tail' } },
      ]),
    ]);
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  describe('Direct', () => {
    it('serves each container by TargetContainerHostname: two different models behind one endpoint', async () => {
      const prediction = await invoke({
        EndpointName: 'direct',
        TargetContainerHostname: 'linear',
        ContentType: 'text/csv',
        Accept: 'text/csv',
        Body: '12,24\n1,1\n',
      });
      const features = await invoke({
        EndpointName: 'direct',
        TargetContainerHostname: 'featurizer',
        ContentType: 'text/csv',
        Accept: 'text/csv',
        Body: '12,24\n1,1\n',
      });

      expect(prediction).toEqual({ text: '97\n6\n', contentType: 'text/csv' });
      expect(features).toEqual({ text: '1,1\n-4.5,-4.75\n', contentType: 'text/csv' });
    });

    it('refuses a missing or unknown TargetContainerHostname with ValidationError', async () => {
      const missing = await errorOf(invoke({ EndpointName: 'direct', ContentType: 'text/csv', Body: '1,1' }));
      const unknown = await errorOf(
        invoke({ EndpointName: 'direct', TargetContainerHostname: 'nope', ContentType: 'text/csv', Body: '1,1' }),
      );
      const malformed = await errorOf(
        invoke({ EndpointName: 'direct', TargetContainerHostname: 'bad_name', ContentType: 'text/csv', Body: '1,1' }),
      );

      expect([missing.name, missing.$metadata?.httpStatusCode]).toEqual(['ValidationError', 400]);
      expect(missing.message).toBe(
        'TargetContainerHostname must be specified when invoking an endpoint in Direct inference execution mode.',
      );
      expect([unknown.name, unknown.$metadata?.httpStatusCode]).toEqual(['ValidationError', 400]);
      expect(unknown.message).toBe('Container with hostname nope does not exist in production variant AllTraffic.');
      expect(malformed.name).toBe('ValidationError');
      expect(malformed.message).toContain("Value 'bad_name' at 'targetContainerHostname' failed to satisfy constraint");
    });

    it('runs each container as its own process on its own SAGEMAKER_BIND_TO_PORT, with its own log', async () => {
      const files = await logs('direct');
      const names = [...files.keys()];
      const port = (text: string | undefined) => /on 127\.0\.0\.1:(\d+)/.exec(text ?? '')?.[1];
      const linearLog = names.find((n) => n.startsWith('AllTraffic-linear-'));
      const featurizerLog = names.find((n) => n.startsWith('AllTraffic-featurizer-'));
      const ports = [port(files.get(linearLog ?? '')), port(files.get(featurizerLog ?? ''))];
      const pings = await Promise.all(ports.map((p) => fetch(`http://127.0.0.1:${p}/ping`).then((r) => r.status)));

      expect(names).toHaveLength(2);
      expect(files.get(linearLog ?? '')).toContain('linear: serving 2-feature model');
      expect(files.get(featurizerLog ?? '')).toContain('featurizer: serving 2-feature standardizer');
      expect(ports.every((p) => p !== undefined)).toBe(true);
      expect(new Set(ports).size).toBe(2);
      expect(pings).toEqual([200, 200]);
    });
  });

  describe('TargetContainerHostname on an endpoint that is not Direct', () => {
    it.each([
      ['a single-container endpoint', 'single', 'primary'],
      ['a serial inference pipeline', 'pipeline', 'featurizer'],
    ])('is a ValidationError on %s', async (_, endpoint, hostname) => {
      const err = await errorOf(
        invoke({ EndpointName: endpoint, TargetContainerHostname: hostname, ContentType: 'text/csv', Body: '12,24' }),
      );

      expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['ValidationError', 400]);
      expect(err.message).toBe(
        `Endpoint ${endpoint} is not a multi-container endpoint with direct invocation and does not support target container hostname header.`,
      );
    });
  });

  describe('Serial', () => {
    it('chains the featurizer into the linear model: the answer is the last container, as Accept asks', async () => {
      const csv = await invoke({
        EndpointName: 'pipeline',
        ContentType: 'text/csv',
        Accept: 'text/csv',
        Body: '12,24\n',
      });
      const json = await invoke({
        EndpointName: 'pipeline',
        ContentType: 'text/csv',
        Accept: 'application/json',
        Body: '12,24\n10,20\n',
      });

      // linear-standardized-v1 on featurizer-v1's output equals linear-v1 on the raw features: 2*12 + 3*24 + 1.
      expect(csv).toEqual({ text: '97\n', contentType: 'text/csv' });
      expect(json).toEqual({ text: '{"predictions":[97,81]}', contentType: 'application/json' });
    });

    it('sends Content-Type to the first container, Accept to the last, JSON between them unless the environment says otherwise', async () => {
      const { text } = await invoke({
        EndpointName: 'echo-chain',
        ContentType: 'text/plain',
        Accept: 'application/x-final',
        Body: 'raw input',
      });
      type Echo = { container: string; contentType: string; accept: string; received: unknown };
      const c = JSON.parse(text) as Echo;
      const b = c.received as Echo;
      const a = b.received as Echo;

      expect([a.container, a.contentType, a.accept, a.received]).toEqual([
        'a',
        'text/plain',
        'application/json',
        'raw input',
      ]);
      expect([b.container, b.contentType, b.accept]).toEqual(['b', 'application/json', 'text/csv']);
      expect([c.container, c.contentType, c.accept]).toEqual(['c', 'application/json', 'application/x-final']);
    });

    it('gives the next container the Content-Type the previous one answered with', async () => {
      const { text } = await invoke({ EndpointName: 'csv-hop', ContentType: 'text/csv', Body: '12,24\n14,16\n' });

      expect(JSON.parse(text)).toMatchObject({ container: 'echo', contentType: 'text/csv', received: '1,1\n2,-1\n' });
    });

    it('answers ModelError naming the container that failed, first or last', async () => {
      const first = (await errorOf(
        invoke({ EndpointName: 'pipeline', ContentType: 'text/csv', Body: '1,2,3\n' }),
      )) as ModelError;
      const last = (await errorOf(
        invoke({ EndpointName: 'broken-pipeline', ContentType: 'text/csv', Body: '12,24\n' }),
      )) as ModelError;

      expect([first.name, first.$metadata.httpStatusCode, first.OriginalStatusCode]).toEqual(['ModelError', 424, 400]);
      expect(first.message).toBe(
        `Received client error (400) from featurizer with message "row 1 has 3 features, expected 2". ${seeLogs('pipeline')}`,
      );
      expect([last.name, last.$metadata.httpStatusCode, last.OriginalStatusCode]).toEqual(['ModelError', 424, 400]);
      expect(last.message).toBe(
        `Received client error (400) from linear with message "expected 3 features, got 2". ${seeLogs('broken-pipeline')}`,
      );
    });

    it('writes one log per container: the failing container logs its error, the other does not', async () => {
      await errorOf(invoke({ EndpointName: 'pipeline', ContentType: 'text/csv', Body: '1,x\n' }));
      const files = await logs('pipeline');
      const featurizer = [...files].find(([name]) => name.startsWith('AllTraffic-featurizer-'))?.[1] ?? '';
      const linear = [...files].find(([name]) => name.startsWith('AllTraffic-linear-'))?.[1] ?? '';

      expect(files.size).toBe(2);
      expect(featurizer).toContain("featurizer: 400: row 1: 'x' is not a number");
      expect(linear).toContain('linear: serving 2-feature model');
      expect(linear).not.toContain('bad request');
    });

    it('passes 5 MB (5 MiB) from one container to the next, and answers AWS ModelError above it', async () => {
      const atLimit = await invoke({ EndpointName: 'big-hop', ContentType: 'text/plain', Body: 'a'.repeat(5 * MIB) });
      const over = await errorOf(
        invoke({ EndpointName: 'big-hop', ContentType: 'text/plain', Body: 'a'.repeat(5 * MIB + 1) }),
      );

      expect((JSON.parse(atLimit.text) as { received: string }).received).toHaveLength(5 * MIB);
      expect([over.name, over.$metadata?.httpStatusCode]).toEqual(['ModelError', 424]);
      expect(over.message).toBe(
        `Received response from passthrough with status code 200. However, the request payload from passthrough to tail is 5242881 bytes, which has exceeded the maximum limit of 5 MB. ${seeLogs('big-hop')}`,
      );
    });
  });

  describe('CreateModel and CreateEndpoint checks', () => {
    const container = (hostname?: string) => ({
      Image: ECHO,
      ...(hostname === undefined ? {} : { ContainerHostname: hostname }),
    });

    it('refuses Direct without several containers, and hostnames on only some containers of a pipeline', async () => {
      const primary = await errorOf(
        sagemaker.send(
          new CreateModelCommand({
            ModelName: 'direct-primary',
            PrimaryContainer: container('one'),
            InferenceExecutionConfig: { Mode: 'Direct' },
          }),
        ),
      );
      const one = await errorOf(
        sagemaker.send(
          new CreateModelCommand({
            ModelName: 'direct-one',
            Containers: [container('one')],
            InferenceExecutionConfig: { Mode: 'Direct' },
          }),
        ),
      );
      const unnamed = await errorOf(
        sagemaker.send(
          new CreateModelCommand({
            ModelName: 'direct-unnamed',
            Containers: [container('one'), container()],
            InferenceExecutionConfig: { Mode: 'Direct' },
          }),
        ),
      );
      const some = await errorOf(
        sagemaker.send(
          new CreateModelCommand({ ModelName: 'serial-some', Containers: [container('one'), container()] }),
        ),
      );

      expect([primary.name, one.name, unnamed.name, some.name]).toEqual(Array(4).fill('ValidationException'));
      expect(primary.message).toBe(
        'InferenceExecutionConfig Mode Direct requires the Containers parameter with more than one container (a multi-container endpoint), not PrimaryContainer or a single container.',
      );
      expect(one.message).toBe(primary.message);
      expect(unnamed.message).toBe('ContainerHostname must be specified for each container in Direct inference mode.');
      expect(some.message).toBe(
        'ContainerHostname must be specified for every container of an inference pipeline, or for none: it is specified for some of them.',
      );
    });

    it('refuses a serverless variant of an inference pipeline, and of a Direct model as not emulated', async () => {
      const serverless = (name: string, modelName: string) =>
        sagemaker.send(
          new CreateEndpointConfigCommand({
            EndpointConfigName: name,
            ProductionVariants: [
              {
                VariantName: 'AllTraffic',
                ModelName: modelName,
                ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 1 },
              },
            ],
          }),
        );

      const pipeline = await errorOf(serverless('serverless-pipeline', 'pipeline'));
      const direct = await errorOf(serverless('serverless-direct', 'direct'));

      expect(pipeline.name).toBe('ValidationException');
      expect(pipeline.message).toBe(
        'Production variant AllTraffic cannot use ServerlessConfig: model pipeline is an inference pipeline (several containers, Serial), and serverless endpoints do not support inference pipelines.',
      );
      expect(direct.name).toBe('UnknownOperationException');
      expect(direct.message).toBe(
        'Serverless multi-container endpoints (production variant AllTraffic, model direct in Direct inference execution mode) are not supported by the smwf local emulator yet.',
      );
    });

    it('names every container of a pipeline that failed its ping health check', async () => {
      const endpoint = await deploy('both-fail', [
        { Image: ECHO, ContainerHostname: 'first', Environment: { SMWF_EXAMPLE_FAULT: 'exit-on-start' } },
        { Image: ECHO, ContainerHostname: 'second', Environment: { SMWF_EXAMPLE_FAULT: 'exit-on-start' } },
      ]);

      expect(endpoint.EndpointStatus).toBe('Failed');
      expect(endpoint.FailureReason).toContain(
        'The container "first" for production variant AllTraffic exited with code 1 before passing the ping health check. The container "second" for production variant AllTraffic exited with code 1 before passing the ping health check. Please check CloudWatch logs for this endpoint.',
      );
    });
  });
});
