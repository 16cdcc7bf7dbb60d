import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateModelCommand,
  type CreateModelCommandInput,
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  type DescribeTransformJobCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleImage, exampleModelArchive } from '../../../examples/example-models.ts';
import type { Emulator } from '../../../local/emulator/index.ts';
import { clients, errorOf, startTestEmulator, waitForTransformJob } from './helpers.ts';

const LINEAR = exampleImage('linear');
const FEATURIZER = exampleImage('featurizer');
const ECHO = exampleImage('echo');
const BUCKET = 'pipeline-batch';
const MIB = 1024 * 1024;

/** examples/models/featurizer-v1 and linear-standardized-v1, as the containers compute them. */
const MEANS = [10, 20];
const STDS = [2, 4];
const COEFFICIENTS = [4, 12];
const INTERCEPT = 81;

/** The pipeline's prediction for one row of raw features, with the example servers' arithmetic. */
function expected(row: number[]): number {
  const z = row.map((x, i) => (x - (MEANS[i] as number)) / (STDS[i] as number));
  const sum = z.reduce((acc, x, i) => acc + x * (COEFFICIENTS[i] as number), INTERCEPT);
  return Math.round(sum * 1e9) / 1e9;
}

let emulator: Emulator & { stateDir: string };
let sagemaker: SageMakerClient;
let s3: S3Client;

const model = (folder: string) => `s3://${BUCKET}/models/${folder}/model.tar.gz`;

async function put(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function text(key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

async function createModel(
  name: string,
  containers: NonNullable<CreateModelCommandInput['Containers']>,
  mode?: 'Serial' | 'Direct',
): Promise<void> {
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      Containers: containers,
      ...(mode ? { InferenceExecutionConfig: { Mode: mode } } : {}),
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sm',
    }),
  );
}

function jobRequest(
  name: string,
  modelName: string,
  o: { input: string; output: string } & Partial<CreateTransformJobCommandInput>,
): CreateTransformJobCommandInput {
  const { input, output, ...rest } = o;
  return {
    TransformJobName: name,
    ModelName: modelName,
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/${input}` } },
      ContentType: 'text/csv',
      SplitType: 'Line',
    },
    TransformOutput: { S3OutputPath: `s3://${BUCKET}/${output}`, Accept: 'text/csv', AssembleWith: 'Line' },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    ...rest,
  };
}

async function runJob(request: CreateTransformJobCommandInput): Promise<DescribeTransformJobCommandOutput> {
  await sagemaker.send(new CreateTransformJobCommand(request));
  return waitForTransformJob(sagemaker, request.TransformJobName as string);
}

/** Rows of raw features with fractions, negatives and values far from the means. */
function rows(count: number, seed: number): number[][] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => [
    Math.round((next() * 60 - 20) * 1000) / 1000,
    Math.round((next() * 90 - 30) * 1000) / 1000,
  ]);
}

const csv = (data: number[][]) => data.map((r) => `${r.join(',')}\n`).join('');

beforeAll(async () => {
  emulator = await startTestEmulator();
  ({ sagemaker, s3 } = clients(emulator.url));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const folder of ['featurizer-v1', 'linear-standardized-v1', 'linear-v3-broken', 'linear-v1']) {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `models/${folder}/model.tar.gz`,
        Body: await exampleModelArchive(folder),
      }),
    );
  }
  await createModel('featurize-and-predict', [
    { Image: FEATURIZER, ContainerHostname: 'featurizer', ModelDataUrl: model('featurizer-v1') },
    { Image: LINEAR, ContainerHostname: 'linear', ModelDataUrl: model('linear-standardized-v1') },
  ]);
  await createModel('featurize-csv-and-predict', [
    {
      Image: FEATURIZER,
      ContainerHostname: 'featurizer',
      ModelDataUrl: model('featurizer-v1'),
      Environment: { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'text/csv' },
    },
    { Image: LINEAR, ContainerHostname: 'linear', ModelDataUrl: model('linear-standardized-v1') },
  ]);
});

afterAll(async () => {
  await emulator?.stop();
});

describe('batch transform of a serial inference pipeline', () => {
  const data = rows(40, 7);
  const more = rows(25, 11);

  beforeAll(async () => {
    await put('in/part-1.csv', csv(data));
    await put('in/part-2.csv', csv(more));
  });

  it.each([
    ['one record per request, JSON between the containers', 'single-json', 'featurize-and-predict', 'SingleRecord'],
    ['mini-batches, JSON between the containers', 'multi-json', 'featurize-and-predict', 'MultiRecord'],
    ['mini-batches, CSV between the containers', 'multi-csv', 'featurize-csv-and-predict', 'MultiRecord'],
  ] as const)(
    'runs the whole pipeline for every request (%s): the output is the last container’s, line by line',
    async (_, job, modelName, strategy) => {
      const described = await runJob(
        jobRequest(job, modelName, {
          input: 'in/',
          output: `out/${job}`,
          BatchStrategy: strategy,
          MaxPayloadInMB: 1,
        }),
      );

      expect(described.TransformJobStatus).toBe('Completed');
      const first = (await text(`out/${job}/part-1.csv.out`)).split('\n');
      const second = (await text(`out/${job}/part-2.csv.out`)).split('\n');
      expect(first).toEqual([...data.map((r) => String(expected(r))), '']);
      expect(second).toEqual([...more.map((r) => String(expected(r))), '']);
    },
  );

  it('joins the pipeline’s predictions to the input records', async () => {
    await put('join/in/a.csv', 'id-1,12,24\nid-2,10,20\nid-3,-3.5,7.25\n');

    const described = await runJob(
      jobRequest('join', 'featurize-and-predict', {
        input: 'join/in/',
        output: 'join/out',
        BatchStrategy: 'MultiRecord',
        DataProcessing: { InputFilter: '$[1:]', JoinSource: 'Input' },
      }),
    );

    expect(described.TransformJobStatus).toBe('Completed');
    expect((await text('join/out/a.csv.out')).split('\n')).toEqual([
      `id-1,12,24,${expected([12, 24])}`,
      `id-2,10,20,${expected([10, 20])}`,
      `id-3,-3.5,7.25,${expected([-3.5, 7.25])}`,
      '',
    ]);
  });

  it('starts one model server per container, each with the batch environment and its own log', async () => {
    const dir = join(emulator.stateDir, 'logs', 'us-east-1', 'aws', 'sagemaker', 'TransformJobs', 'single-json');
    const files = (await readdir(dir)).sort();
    const featurizerLog = await readFile(join(dir, files[0] ?? ''), 'utf8');
    const linearLog = await readFile(join(dir, files[1] ?? ''), 'utf8');

    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^single-json-featurizer-/);
    expect(files[1]).toMatch(/^single-json-linear-/);
    expect(featurizerLog).toContain('featurizer: serving 2-feature standardizer');
    expect(linearLog).toContain('linear: serving 2-feature model');
  });

  it('gives every container SAGEMAKER_BATCH and the batch settings', async () => {
    await createModel('echo-pair', [
      { Image: ECHO, ContainerHostname: 'first', Environment: { SMWF_ECHO_NAME: 'first' } },
      { Image: ECHO, ContainerHostname: 'second', Environment: { SMWF_ECHO_NAME: 'second' } },
    ]);
    await put('env/in/a.csv', 'r1\n');

    await runJob(jobRequest('env', 'echo-pair', { input: 'env/in/', output: 'env/out', MaxPayloadInMB: 2 }));
    type Echo = { container: string; accept: string | null; batch?: { maxPayloadInMB: string }; received: unknown };
    const second = JSON.parse(await text('env/out/a.csv.out')) as Echo;
    const first = second.received as Echo;

    expect([first.container, first.accept, first.batch?.maxPayloadInMB]).toEqual(['first', 'application/json', '2']);
    expect([second.container, second.accept, second.batch?.maxPayloadInMB]).toEqual(['second', 'text/csv', '2']);
  });

  it('fails the job naming the container that failed, writing no .out', async () => {
    await createModel('broken-pipeline', [
      { Image: FEATURIZER, ContainerHostname: 'featurizer', ModelDataUrl: model('featurizer-v1') },
      { Image: LINEAR, ContainerHostname: 'linear', ModelDataUrl: model('linear-v3-broken') },
    ]);
    await put('broken/in/a.csv', '12,24\n');
    await put('bad-input/in/a.csv', '12,24,1\n');

    const broken = await runJob(jobRequest('broken', 'broken-pipeline', { input: 'broken/in/', output: 'broken/out' }));
    const badInput = await runJob(
      jobRequest('bad-input', 'featurize-and-predict', { input: 'bad-input/in/', output: 'bad-input/out' }),
    );

    expect(broken.TransformJobStatus).toBe('Failed');
    expect(broken.FailureReason).toContain(
      'ClientError: s3://pipeline-batch/broken/in/a.csv: the container linear answered 400 for record 1: expected 3 features, got 2',
    );
    expect(badInput.TransformJobStatus).toBe('Failed');
    expect(badInput.FailureReason).toContain(
      'the container featurizer answered 400 for record 1: row 1 has 3 features, expected 2',
    );
    const written = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'broken/out/' }));
    expect(written.KeyCount).toBe(0);
  });

  it('fails a mini-batch whose answer between two containers exceeds MaxPayloadInMB', async () => {
    await put('hop/in/a.txt', 'a'.repeat(MIB - 16));

    const job = await runJob(
      jobRequest('hop', 'echo-pair', {
        input: 'hop/in/',
        output: 'hop/out',
        MaxPayloadInMB: 1,
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/hop/in/` } },
          ContentType: 'text/plain',
          SplitType: 'None',
        },
      }),
    );

    expect(job.TransformJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(
      /the container first answered 200 for record 1, but the request payload from first to second is (\d+) bytes, which has exceeded the maximum limit of MaxPayloadInMB \(1 MB\)/,
    );
    const bytes = Number(/is (\d+) bytes/.exec(job.FailureReason ?? '')?.[1]);
    expect(bytes).toBeGreaterThan(MIB);
  });
});

describe('transform jobs of models the emulator does not run in batch', () => {
  it('refuses a multi-container model in Direct mode as not emulated', async () => {
    await createModel(
      'direct-pair',
      [
        { Image: LINEAR, ContainerHostname: 'a', ModelDataUrl: model('linear-v1') },
        { Image: LINEAR, ContainerHostname: 'b', ModelDataUrl: model('linear-v1') },
      ],
      'Direct',
    );

    const err = await errorOf(
      sagemaker.send(new CreateTransformJobCommand(jobRequest('direct', 'direct-pair', { input: 'in/', output: 'x' }))),
    );

    expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['UnknownOperationException', 400]);
    expect(err.message).toBe(
      'Batch transform of model direct-pair, a multi-container model in Direct inference execution mode (InferenceExecutionConfig), is not supported by the smwf local emulator yet.',
    );
  });

  it('refuses a multi-model model as not emulated', async () => {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'multi-model',
        PrimaryContainer: { Image: LINEAR, Mode: 'MultiModel', ModelDataUrl: `s3://${BUCKET}/models/` },
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sm',
      }),
    );

    const err = await errorOf(
      sagemaker.send(new CreateTransformJobCommand(jobRequest('mme', 'multi-model', { input: 'in/', output: 'x' }))),
    );

    expect(err.name).toBe('UnknownOperationException');
    expect(err.message).toBe(
      'Batch transform of model multi-model, a multi-model (Mode MultiModel) model, is not supported by the smwf local emulator yet.',
    );
  });
});
