/**
 * BatchTransform end to end: the synthesized definition, the local runner and the real handlers against the
 * emulator, whose transform jobs run the example linear model process over S3 objects.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateModelCommand, ListModelsCommand, ListTransformJobsCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURIZER_IMAGE, type Harness, IMAGE, startHarness } from './harness.ts';

const BUCKET = 'e2e-models';
let h: Harness;
let s3: S3Client;

async function put(key: string, body: string) {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function lines(key: string): Promise<string[]> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return ((await out.Body?.transformToString()) ?? '').trimEnd().split('\n');
}

async function keys(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

function batchInput(schedule: string, scheduledTime: string, overrides: Record<string, unknown> = {}) {
  return {
    scheduleName: schedule,
    scheduledTime,
    model: { image: IMAGE, modelDataUrl: h.models['linear-v1'] },
    input: { s3Prefix: `s3://${BUCKET}/${schedule}/in/{yyyy}/{MM}/{dd}/`, contentType: 'text/csv', splitType: 'Line' },
    output: { s3Prefix: `s3://${BUCKET}/${schedule}/out/{yyyy}/{MM}/{dd}`, assembleWith: 'Line', accept: 'text/csv' },
    batchStrategy: 'MultiRecord',
    maxPayloadInMB: 1,
    maxConcurrentTransforms: 2,
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 10 },
    ...overrides,
  };
}

async function modelsOf(schedule: string): Promise<string[]> {
  const out = await h.sagemaker.send(new ListModelsCommand({ NameContains: `${schedule}-` }));
  return (out.Models ?? []).map((m) => m.ModelName ?? '').filter((name) => name.startsWith(`${schedule}-`));
}

async function batchEvents(detailType: string) {
  return (await h.emulator.readEvents()).filter(
    (e) => e.source === 'sagemaker-workflows' && e['detail-type'] === detailType,
  );
}

beforeAll(async () => {
  h = await startHarness();
  s3 = new S3Client({ forcePathStyle: true });
});

afterAll(async () => {
  await h?.close();
});

describe('BatchTransform on the emulator', () => {
  it('transforms every input object of the scheduled day and checks each .out line by line', async () => {
    // linear-v1: y = 2a + 3b + 1
    await put('nightly/in/2026/11/24/a.csv', '1,2\n0,0\n');
    await put('nightly/in/2026/11/24/region=eu/b.csv', '10,1\n2,2\n3,3\n');
    await put('nightly/in/2026/11/23/old.csv', '5,5\n');

    const result = await h.runner.start('BatchTransform', batchInput('nightly', '2026-11-24T03:00:00Z')).result;

    expect(result.status).toBe('SUCCEEDED');
    expect(await keys('nightly/out/')).toEqual([
      'nightly/out/2026/11/24/a.csv.out',
      'nightly/out/2026/11/24/region=eu/b.csv.out',
    ]);
    expect(await lines('nightly/out/2026/11/24/a.csv.out')).toEqual(['9', '1']);
    expect(await lines('nightly/out/2026/11/24/region=eu/b.csv.out')).toEqual(['24', '11', '16']);
    const [event] = await batchEvents('Batch Transform Completed');
    expect(event?.detail).toMatchObject({
      transformJobName: 'nightly-20261124-030000',
      counts: { inputObjects: 2, outputObjects: 2, missingOutputs: 0 },
    });
  });

  it('runs every record through a serial pipeline (featurizer then model) and checks each .out line by line', async () => {
    // featurizer-v1 standardizes (x - [10, 20]) / [2, 4]; linear-standardized-v1 on those equals linear-v1 on the
    // raw features: y = 2a + 3b + 1.
    const rows = [
      [12, 24],
      [10, 20],
      [0, 0],
      [-3.5, 7.25],
    ];
    await put('pipeline/in/2026/11/24/a.csv', rows.map((r) => `${r.join(',')}\n`).join(''));
    const input = batchInput('pipeline', '2026-11-24T03:00:00Z', {
      model: {
        containers: [
          { image: FEATURIZER_IMAGE, modelDataUrl: h.models['featurizer-v1'] },
          { image: IMAGE, modelDataUrl: h.models['linear-standardized-v1'] },
        ],
      },
    });

    const result = await h.runner.start('BatchTransform', input).result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const predicted = (await lines('pipeline/out/2026/11/24/a.csv.out')).map(Number);
    const expected = rows.map(([a = 0, b = 0]) => 2 * a + 3 * b + 1);
    expect(predicted).toHaveLength(expected.length);
    for (const [i, value] of predicted.entries()) expect(value).toBeCloseTo(expected[i] ?? Number.NaN, 9);
  });

  it('runs an existing pipeline model named by the schedule', async () => {
    await h.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'standardize-then-score',
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
        Containers: [
          { Image: FEATURIZER_IMAGE, ModelDataUrl: h.models['featurizer-v1'] },
          { Image: IMAGE, ModelDataUrl: h.models['linear-standardized-v1'] },
        ],
      }),
    );
    await put('named-pipeline/in/2026/11/24/a.csv', '12,24\n10,20\n');
    const input = batchInput('named-pipeline', '2026-11-24T03:00:00Z', { model: { name: 'standardize-then-score' } });

    const result = await h.runner.start('BatchTransform', input).result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect((await lines('named-pipeline/out/2026/11/24/a.csv.out')).map(Number)).toEqual([97, 81]);
  });

  it('fails a pipeline run naming the container that rejected a record', async () => {
    await put('pipeline-broken/in/2026/11/24/a.csv', '12,24\nnot-a-number,1\n');
    const input = batchInput('pipeline-broken', '2026-11-24T03:00:00Z', {
      batchStrategy: 'SingleRecord',
      model: {
        containers: [
          { hostname: 'featurizer', image: FEATURIZER_IMAGE, modelDataUrl: h.models['featurizer-v1'] },
          { hostname: 'model', image: IMAGE, modelDataUrl: h.models['linear-standardized-v1'] },
        ],
      },
    });

    const result = await h.runner.start('BatchTransform', input).result;

    expect(result).toMatchObject({ status: 'FAILED', error: 'TransformJobFailedError' });
    expect(result.cause).toContain('the container featurizer answered 400 for record');
  });

  it('follows the existing job when the same scheduled time is delivered again', async () => {
    await put('rerun/in/2026/11/24/a.csv', '1,1\n');
    const input = batchInput('rerun', '2026-11-24T03:00:00Z');

    const first = await h.runner.start('BatchTransform', input, { name: 'rerun-1' }).result;
    const second = await h.runner.start('BatchTransform', input, { name: 'rerun-2' }).result;

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const jobs = await h.sagemaker.send(new ListTransformJobsCommand({ NameContains: 'rerun' }));
    expect(jobs.TransformJobSummaries?.map((j) => j.TransformJobName)).toEqual(['rerun-20261124-030000']);
    const completed = (await batchEvents('Batch Transform Completed')).filter(
      (e) => (e.detail as { transformJobName: string }).transformJobName === 'rerun-20261124-030000',
    );
    expect(completed.map((e) => (e.detail as { followedExistingJob: boolean }).followedExistingJob)).toEqual([
      false,
      true,
    ]);
  });

  it('skips cleanly, with an event, when the scheduled day has no input', async () => {
    const result = await h.runner.start('BatchTransform', batchInput('empty', '2026-11-24T03:00:00Z')).result;

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ run: { action: 'skip' }, event: { detailType: 'Batch Transform Skipped' } });
    const jobs = await h.sagemaker.send(new ListTransformJobsCommand({ NameContains: 'empty' }));
    expect(jobs.TransformJobSummaries).toEqual([]);
    const [event] = await batchEvents('Batch Transform Skipped');
    expect(event?.detail).toMatchObject({
      scheduleName: 'empty',
      input: `s3://${BUCKET}/empty/in/2026/11/24/`,
      counts: { inputObjects: 0 },
    });
  });

  it('fails with the job FailureReason and publishes Batch Transform Failed when a record is rejected', async () => {
    await put('broken/in/2026/11/24/good.csv', '1,2\n');
    await put('broken/in/2026/11/24/bad.csv', '1,2\n1,2,3\n');

    const result = await h.runner.start(
      'BatchTransform',
      batchInput('broken', '2026-11-24T03:00:00Z', { batchStrategy: 'SingleRecord' }),
    ).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TransformJobFailedError');
    expect(result.cause).toContain('broken/in/2026/11/24/bad.csv');
    expect(await keys('broken/out/')).toEqual(['broken/out/2026/11/24/good.csv.out']);
    const event = (await batchEvents('Batch Transform Failed')).find(
      (e) => (e.detail as { transformJobName: string }).transformJobName === 'broken-20261124-030000',
    );
    expect(event?.detail).toMatchObject({
      transformJobName: 'broken-20261124-030000',
      jobStatus: 'Failed',
      error: { name: 'TransformJobFailedError' },
    });
    expect((event?.detail as { failureReason?: string } | undefined)?.failureReason).toContain(
      'answered 400 for record 2',
    );
    expect(event?.detail).toMatchObject({ modelCleanup: { action: 'deleted' } });
    expect(await modelsOf('broken')).toEqual([]);
  });

  it('deletes the model it created when SageMaker refuses the transform job, leaving nothing behind', async () => {
    await put('refused/in/2026/11/24/a.csv', '1,2\n');
    h.emulator.setFaults({
      failNth: [
        {
          operation: 'CreateTransformJob',
          n: 1,
          code: 'ResourceLimitExceeded',
          status: 400,
          message: "The account-level service limit 'ml.m5.large for transform job usage' is 0 Instances.",
        },
      ],
    });

    const result = await h.runner.start('BatchTransform', batchInput('refused', '2026-11-24T03:00:00Z')).result;
    h.emulator.setFaults({});

    expect(result).toMatchObject({ status: 'FAILED', error: 'ResourceLimitExceeded' });
    expect(await modelsOf('refused')).toEqual([]);
    const [event] = (await batchEvents('Batch Transform Failed')).filter(
      (e) => (e.detail as { scheduleName: string }).scheduleName === 'refused',
    );
    expect(event?.detail).toMatchObject({
      modelName: expect.stringMatching(/^refused-[0-9a-f]{10}$/),
      modelCleanup: { action: 'deleted', reason: 'created by this run, which failed' },
    });
  });

  it('keeps a model an earlier, successful run created when a later run fails', async () => {
    await put('shared/in/2026/11/24/a.csv', '1,2\n');
    await put('shared/in/2026/11/25/a.csv', '1,2,3\n');
    const first = await h.runner.start('BatchTransform', batchInput('shared', '2026-11-24T03:00:00Z')).result;

    const second = await h.runner.start('BatchTransform', batchInput('shared', '2026-11-25T03:00:00Z')).result;

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'FAILED']);
    const [model] = await modelsOf('shared');
    expect(model).toBe((first.output as { model: { name: string } }).model.name);
    const [event] = (await batchEvents('Batch Transform Failed')).filter(
      (e) => (e.detail as { scheduleName: string }).scheduleName === 'shared',
    );
    expect(event?.detail).toMatchObject({
      modelCleanup: { model, action: 'kept', reason: expect.stringContaining('created by execution') },
    });
  });

  it('rejects an input breaking SageMaker limits before anything is created', async () => {
    const result = await h.runner.start(
      'BatchTransform',
      batchInput('limits', '2026-11-24T03:00:00Z', { maxPayloadInMB: 30, maxConcurrentTransforms: 4 }),
    ).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInputError');
    expect(result.cause).toContain('maxConcurrentTransforms x maxPayloadInMB must be at most 100');
  });
});
