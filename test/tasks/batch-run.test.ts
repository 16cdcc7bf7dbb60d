import { describe, expect, it } from 'vitest';
import { BatchTransformInput } from '../../contracts/parts/batch-transform.ts';
import { resolveDatePlaceholders } from '../../contracts/parts/date-placeholders.ts';
import { batchJobName, outputKeyOf } from '../../tasks/_shared/batch-run.ts';
import type { StoredObject } from '../../tasks/_shared/object-listing.ts';
import { resolveBatchRun } from '../../tasks/resolve-batch-run/resolve-batch-run.ts';

const minimal = {
  model: { name: 'churn' },
  input: { s3Prefix: 's3://data/in/{yyyy}/{MM}/{dd}/' },
  output: { s3Prefix: 's3://data/out/{yyyy}-{MM}-{dd}T{HH}/' },
};

describe('batchJobName', () => {
  it('names the job after the schedule and its scheduled time, in UTC', () => {
    expect(batchJobName('nightly', new Date('2026-11-24T03:00:00+01:00'))).toBe('nightly-20261124-020000');
  });

  it('stays within 63 characters and keeps long schedule names apart', () => {
    const time = new Date('2026-01-02T03:04:05Z');
    const a = batchJobName(`${'a'.repeat(60)}-one`, time);
    const b = batchJobName(`${'a'.repeat(60)}-two`, time);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect(a.endsWith('-20260102-030405')).toBe(true);
  });
});

describe('resolveDatePlaceholders and outputKeyOf', () => {
  it('fills {yyyy}, {MM}, {dd} and {HH} from the scheduled time', () => {
    expect(resolveDatePlaceholders(minimal.output.s3Prefix, new Date('2026-03-09T07:30:00Z'))).toBe(
      's3://data/out/2026-03-09T07/',
    );
  });

  it('mirrors the input sub-folders below the prefix under the output prefix', () => {
    expect(outputKeyOf('in/2026/', 'out', 'in/2026/eu/a.csv')).toBe('out/eu/a.csv.out');
    expect(outputKeyOf('in/2026/part', 'out/', 'in/2026/part-1.csv')).toBe('out/part-1.csv.out');
  });
});

describe('the BatchTransform contract', () => {
  it('applies the defaults', () => {
    const parsed = BatchTransformInput.parse(minimal);
    expect(parsed).toMatchObject({
      scheduleName: 'manual',
      input: { splitType: 'None' },
      output: { assembleWith: 'None' },
      instanceType: 'ml.m5.large',
      instanceCount: 1,
      wait: { initialIntervalSeconds: 30, maxIntervalSeconds: 300, timeoutMinutes: 1440 },
    });
  });

  it.each([
    [
      { maxConcurrentTransforms: 5, maxPayloadInMB: 21 },
      'maxConcurrentTransforms x maxPayloadInMB must be at most 100',
    ],
    [{ maxPayloadInMB: 101 }, 'maxPayloadInMB'],
    [
      { model: { name: 'churn', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1' } },
      'expected one of name (an existing model)',
    ],
    [{ dataProcessing: { joinSource: 'Input' } }, 'set splitType to Line'],
    [{ scheduledTime: 'tomorrow' }, 'scheduledTime'],
  ])('rejects %j', (overrides, message) => {
    const result = BatchTransformInput.safeParse({ ...minimal, ...overrides });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });

  it('accepts an unlimited payload (0) with any concurrency', () => {
    expect(BatchTransformInput.safeParse({ ...minimal, maxPayloadInMB: 0, maxConcurrentTransforms: 64 }).success).toBe(
      true,
    );
  });
});

describe('resolveBatchRun', () => {
  const execution = { id: 'arn:exec', name: 'exec', startedAt: '2026-11-24T03:00:07.123Z' };
  const objectsAt = (keys: string[]) => ({
    list: async (_bucket: string, prefix: string): Promise<StoredObject[]> =>
      keys.filter((k) => k.startsWith(prefix)).map((key) => ({ key, size: 1, etag: 'e', lastModified: new Date() })),
  });
  const noJobs = { describeTransformJob: async () => undefined };

  it('uses the start time when no scheduled time is given, and skips a day without input', async () => {
    const state = { request: BatchTransformInput.parse(minimal), execution };
    const out = await resolveBatchRun(state, { jobs: noJobs, objects: objectsAt([]), now: () => new Date() });
    expect(out.run).toMatchObject({
      jobName: 'manual-20261124-030007',
      inputS3Uri: 's3://data/in/2026/11/24/',
      action: 'skip',
      inputObjects: 0,
    });
  });

  it('follows a job that already has this run name instead of starting another', async () => {
    const state = { request: BatchTransformInput.parse(minimal), execution };
    const jobs = {
      describeTransformJob: async (name: string) => ({
        name,
        arn: `arn:aws:sagemaker:us-east-1:123456789012:transform-job/${name}`,
        status: 'InProgress',
        inputS3Uri: 's3://data/in/2026/11/24/',
        outputS3Uri: 's3://data/out/2026-11-24T03/',
        modelName: 'nightly-model',
      }),
    };
    const out = await resolveBatchRun(state, {
      jobs,
      objects: objectsAt(['in/2026/11/24/a.csv']),
      now: () => new Date('2026-11-24T03:00:10Z'),
    });
    expect(out.run?.action).toBe('follow');
    expect(out.job).toMatchObject({ name: 'manual-20261124-030007', created: false });
    expect(out.wait?.seconds).toBe(30);
  });
});
