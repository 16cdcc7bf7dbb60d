import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelCommand,
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTransformJobCommand,
  type DescribeTransformJobCommandOutput,
  ListTransformJobsCommand,
  type SageMakerClient,
  StopTransformJobCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRecordIo } from '../../../local/emulator/batch/records.ts';
import type { Emulator } from '../../../local/emulator/index.ts';
import {
  clients,
  errorOf,
  LINEAR_IMAGE,
  startTestEmulator,
  uploadLinearModel,
  waitForTransformJob,
} from './helpers.ts';

const ECHO_IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/echo:1';
const BUCKET = 'batch-data';

let emulator: Emulator;
let sagemaker: SageMakerClient;
let s3: S3Client;

async function put(key: string, body: string | Buffer): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function text(key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function echoModel(name: string, environment: Record<string, string> = {}): Promise<void> {
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      PrimaryContainer: { Image: ECHO_IMAGE, Environment: environment },
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sm',
    }),
  );
}

type JobOverrides = Partial<Omit<CreateTransformJobCommandInput, 'TransformInput'>> & {
  input: string;
  output: string;
  split?: 'None' | 'Line' | 'RecordIO';
  contentType?: string;
};

function jobRequest(name: string, model: string, o: JobOverrides): CreateTransformJobCommandInput {
  const { input, output, split, contentType, ...rest } = o;
  return {
    TransformJobName: name,
    ModelName: model,
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/${input}` } },
      ContentType: contentType ?? 'text/csv',
      SplitType: split ?? 'Line',
    },
    TransformOutput: { S3OutputPath: `s3://${BUCKET}/${output}`, AssembleWith: 'Line' },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    ...rest,
  };
}

function waitForJob(name: string, timeoutMs?: number): Promise<DescribeTransformJobCommandOutput> {
  return waitForTransformJob(sagemaker, name, timeoutMs);
}

async function runJob(name: string, model: string, o: JobOverrides): Promise<DescribeTransformJobCommandOutput> {
  await sagemaker.send(new CreateTransformJobCommand(jobRequest(name, model, o)));
  return waitForJob(name);
}

type EchoAnswer = {
  received: unknown;
  batch: { strategy: string; maxPayloadInMB: string; maxConcurrentTransforms: string; inFlight: number };
};
const answers = (out: string): EchoAnswer[] =>
  out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as EchoAnswer);

beforeAll(async () => {
  emulator = await startTestEmulator();
  ({ sagemaker, s3 } = clients(emulator.url));
  await uploadLinearModel(s3, BUCKET, 'models/linear.tar.gz', [1, 1], 0);
  await echoModel('echo');
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: 'linear',
      PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: `s3://${BUCKET}/models/linear.tar.gz` },
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sm',
    }),
  );
});

afterAll(async () => {
  await emulator?.stop();
});

describe('transform jobs on the emulator', () => {
  it('sends each line as one record, in order, and writes <key>.out mirroring sub-folders', async () => {
    await put('single/in/a.csv', '1,2\n3,4\n');
    await put('single/in/day=1/b.csv', '5,6\r\n\n7,8');

    const job = await runJob('single', 'echo', { input: 'single/in/', output: 'single/out' });

    expect(job.TransformJobStatus).toBe('Completed');
    expect(await keysUnder('single/out/')).toEqual(['single/out/a.csv.out', 'single/out/day=1/b.csv.out']);
    const a = answers(await text('single/out/a.csv.out'));
    expect(a.map((x) => x.received)).toEqual(['1,2\n', '3,4\n']);
    expect(a[0]?.batch).toMatchObject({ strategy: 'SINGLE_RECORD', maxPayloadInMB: '6', maxConcurrentTransforms: '1' });
    expect(answers(await text('single/out/day=1/b.csv.out')).map((x) => x.received)).toEqual(['5,6\n', '7,8\n']);
  });

  it('packs MultiRecord mini-batches up to MaxPayloadInMB and never across objects', async () => {
    const big = (i: number) => `${i}${'x'.repeat(300_000)}`;
    await put('multi/in/a.csv', `${[1, 2, 3, 4, 5].map(big).join('\n')}\n`);
    await put('multi/in/b.csv', 'b1\nb2\n');

    const job = await runJob('multi', 'echo', {
      input: 'multi/in/',
      output: 'multi/out/',
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 1,
    });

    expect(job.TransformJobStatus).toBe('Completed');
    const a = answers(await text('multi/out/a.csv.out')).map((x) => String(x.received).split('\n').filter(Boolean));
    expect(a.map((batch) => batch.map((r) => r[0]))).toEqual([
      ['1', '2', '3'],
      ['4', '5'],
    ]);
    expect(answers(await text('multi/out/b.csv.out')).map((x) => x.received)).toEqual(['b1\nb2\n']);
  });

  it('keeps MaxConcurrentTransforms requests in flight and writes answers in input order', async () => {
    await echoModel('echo-slow', { SMWF_ECHO_DELAY_MS: '150' });
    await put('concurrent/in/a.csv', `${Array.from({ length: 8 }, (_, i) => `r${i}`).join('\n')}\n`);

    const job = await runJob('concurrent', 'echo-slow', {
      input: 'concurrent/in/',
      output: 'concurrent/out',
      MaxConcurrentTransforms: 4,
    });

    expect(job.TransformJobStatus).toBe('Completed');
    const out = answers(await text('concurrent/out/a.csv.out'));
    expect(out.map((x) => x.received)).toEqual(Array.from({ length: 8 }, (_, i) => `r${i}\n`));
    expect(Math.max(...out.map((x) => x.batch.inFlight))).toBe(4);
  });

  it('takes settings from /execution-parameters unless the request sets them', async () => {
    await echoModel('echo-params', {
      SMWF_ECHO_EXECUTION_PARAMETERS: JSON.stringify({ BatchStrategy: 'MULTI_RECORD', MaxPayloadInMB: 2 }),
    });
    await put('params/in/a.csv', 'a\nb\nc\n');

    await runJob('params-container', 'echo-params', { input: 'params/in/', output: 'params/container' });
    await runJob('params-request', 'echo-params', {
      input: 'params/in/',
      output: 'params/request',
      BatchStrategy: 'SingleRecord',
    });

    expect(answers(await text('params/container/a.csv.out')).map((x) => x.received)).toEqual(['a\nb\nc\n']);
    expect(answers(await text('params/request/a.csv.out')).map((x) => x.received)).toEqual(['a\n', 'b\n', 'c\n']);
    const described = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: 'params-request' }));
    expect(described.BatchStrategy).toBe('SingleRecord');
  });

  it('splits RecordIO into records and sends a None-split object whole', async () => {
    await put(
      'recordio/in/a.rec',
      Buffer.concat(['one', 'three', 'sevenchr'].map((s) => encodeRecordIo(Buffer.from(s)))),
    );
    await put('whole/in/a.txt', 'first line\nsecond line\n');

    const recordio = await runJob('recordio', 'echo', {
      input: 'recordio/in/',
      output: 'recordio/out',
      split: 'RecordIO',
      contentType: 'application/x-recordio',
    });
    const whole = await runJob('whole', 'echo', { input: 'whole/in/', output: 'whole/out', split: 'None' });

    expect(recordio.TransformJobStatus).toBe('Completed');
    const records = answers(await text('recordio/out/a.rec.out')).map((x) => String(x.received));
    expect(records).toHaveLength(3);
    expect(records.map((r) => r.slice(8).replace(/\0+$/, ''))).toEqual(['one', 'three', 'sevenchr']);
    expect(whole.TransformJobStatus).toBe('Completed');
    expect(answers(await text('whole/out/a.txt.out')).map((x) => x.received)).toEqual(['first line\nsecond line\n']);
  });

  it('joins CSV input with the predictions and applies both filters', async () => {
    await put('join-csv/in/a.csv', 'id-1,1,2\nid-2,10,20\nid-3,0.5,0.25\n');

    const job = await runJob('join-csv', 'linear', {
      input: 'join-csv/in/',
      output: 'join-csv/out',
      BatchStrategy: 'MultiRecord',
      DataProcessing: { InputFilter: '$[1:]', JoinSource: 'Input', OutputFilter: '$[0,-1]' },
    });

    expect(job.TransformJobStatus).toBe('Completed');
    expect(await text('join-csv/out/a.csv.out')).toBe('id-1,3\nid-2,30\nid-3,0.75\n');
  });

  it('joins JSON Lines records under SageMakerOutput and keeps the selected keys', async () => {
    await put('join-json/in/a.jsonl', '{"id":1,"features":[1,2]}\n{"id":2,"features":[3,4]}\n');

    const job = await runJob('join-json', 'echo', {
      input: 'join-json/in/',
      output: 'join-json/out',
      contentType: 'application/jsonlines',
      DataProcessing: { InputFilter: '$.features', JoinSource: 'Input', OutputFilter: "$['id','SageMakerOutput']" },
    });

    expect(job.TransformJobStatus).toBe('Completed');
    const lines = (await text('join-json/out/a.jsonl.out'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; SageMakerOutput: EchoAnswer });
    expect(lines.map((l) => [l.id, l.SageMakerOutput.received])).toEqual([
      [1, [1, 2]],
      [2, [3, 4]],
    ]);
    expect(Object.keys(lines[0] ?? {})).toEqual(['id', 'SageMakerOutput']);
  });

  it('takes the model data from ModelDataSource (an uncompressed S3 prefix) like endpoints do', async () => {
    await put('raw-model/weights.json', JSON.stringify({ coefficients: [10, 1], intercept: 0 }));
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'linear-uncompressed',
        PrimaryContainer: {
          Image: LINEAR_IMAGE,
          ModelDataSource: {
            S3DataSource: { S3Uri: `s3://${BUCKET}/raw-model/`, S3DataType: 'S3Prefix', CompressionType: 'None' },
          },
        },
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sm',
      }),
    );
    await put('uncompressed/in/a.csv', '1,2\n3,4\n');

    const job = await runJob('uncompressed', 'linear-uncompressed', {
      input: 'uncompressed/in/',
      output: 'uncompressed/out',
    });

    expect(job.TransformJobStatus).toBe('Completed');
    expect(await text('uncompressed/out/a.csv.out')).toBe('12\n34\n');
  });

  it('fails the job naming the object the model rejected, writing no .out for it', async () => {
    await put('failing/in/good.csv', '1,2\n');
    await put('failing/in/bad.csv', '1,2\n1,2,3\n');

    const job = await runJob('failing', 'linear', { input: 'failing/in/', output: 'failing/out' });

    expect(job.TransformJobStatus).toBe('Failed');
    expect(job.FailureReason).toContain('s3://batch-data/failing/in/bad.csv');
    expect(job.FailureReason).toContain('answered 400 for record 2');
    expect(await keysUnder('failing/out/')).toEqual(['failing/out/good.csv.out']);
    const events = (await emulator.readEvents()).filter(
      (e) => e['detail-type'] === 'SageMaker Transform Job State Change' && e.resources[0]?.endsWith('/failing'),
    );
    expect(events.map((e) => (e.detail as { TransformJobStatus: string }).TransformJobStatus)).toEqual([
      'InProgress',
      'Failed',
    ]);
  });

  it('stops a running job', async () => {
    await echoModel('echo-stuck', { SMWF_ECHO_DELAY_MS: '5000' });
    await put('stop/in/a.csv', 'a\n');
    await sagemaker.send(
      new CreateTransformJobCommand(jobRequest('stopped', 'echo-stuck', { input: 'stop/in/', output: 'stop/out' })),
    );

    await sagemaker.send(new StopTransformJobCommand({ TransformJobName: 'stopped' }));

    expect((await waitForJob('stopped')).TransformJobStatus).toBe('Stopped');
    expect(await keysUnder('stop/out/')).toEqual([]);
  });

  it('answers SageMaker errors for limits, duplicates and unknown jobs, and lists jobs', async () => {
    const tooMuch = await errorOf(
      sagemaker.send(
        new CreateTransformJobCommand(
          jobRequest('too-much', 'echo', {
            input: 'x/',
            output: 'y',
            MaxConcurrentTransforms: 10,
            MaxPayloadInMB: 20,
          }),
        ),
      ),
    );
    const duplicate = await errorOf(
      sagemaker.send(new CreateTransformJobCommand(jobRequest('single', 'echo', { input: 'x/', output: 'y' }))),
    );
    const missing = await errorOf(sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: 'nope' })));
    const listed = await sagemaker.send(new ListTransformJobsCommand({ NameContains: 'join', SortBy: 'Name' }));

    expect(tooMuch.name).toBe('ValidationException');
    expect(tooMuch.message).toContain('must not exceed 100 MB');
    expect(duplicate.name).toBe('ResourceInUse');
    expect(missing.name).toBe('ResourceNotFound');
    expect(listed.TransformJobSummaries?.map((j) => [j.TransformJobName, j.TransformJobStatus])).toEqual([
      ['join-json', 'Completed'],
      ['join-csv', 'Completed'],
    ]);
  });
});
