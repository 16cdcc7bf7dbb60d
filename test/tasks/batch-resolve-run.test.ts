import { describe, expect, it } from 'vitest';
import { ResourceConflictError, SageMakerThrottledError } from '../../contracts/errors.ts';
import { resolveBatchRun } from '../../tasks/resolve-batch-run/resolve-batch-run.ts';
import {
  BATCH_EXECUTION,
  batchState,
  FakeObjects,
  FakeTransformJobs,
  NIGHTLY_RUN,
  transformJobArn,
  validBatchInput,
} from './batch-fakes.ts';

const NOW = new Date('2026-03-09T02:00:12.000Z');

function deps(objects = new FakeObjects(), jobs = new FakeTransformJobs()) {
  return { jobs, objects, now: () => NOW };
}

describe('resolveBatchRun', () => {
  it('names the job after the schedule and scheduled time and fills the date placeholders of both prefixes', async () => {
    const objects = new FakeObjects(['s3://data-bucket/in/2026/03/09/a.csv', 's3://data-bucket/in/2026/03/09/b.csv']);

    const out = await resolveBatchRun(batchState(), deps(objects));

    expect(out.run).toEqual({ ...NIGHTLY_RUN, action: 'create', inputObjects: 2 });
    expect(objects.listed).toEqual(['s3://data-bucket/in/2026/03/09/']);
    expect(out.job).toBeUndefined();
    expect(out.wait).toBeUndefined();
  });

  it('gives a re-delivered schedule the same job name, whenever its execution started', async () => {
    const objects = new FakeObjects(['s3://data-bucket/in/2026/03/09/a.csv']);
    const late = { ...batchState(), execution: { ...BATCH_EXECUTION, startedAt: '2026-03-09T02:14:59.000Z' } };

    const first = await resolveBatchRun(batchState(), deps(objects));
    const second = await resolveBatchRun(late, deps(objects));

    expect(second.run?.jobName).toBe(first.run?.jobName);
    expect(second.run?.jobName).toBe('nightly-20260309-020000');
  });

  it('uses the execution start time when started by hand without a scheduled time', async () => {
    const { scheduledTime: _, ...manual } = validBatchInput({ scheduleName: 'manual' });
    const state = { ...batchState(manual), execution: { ...BATCH_EXECUTION, startedAt: '2026-12-31T23:59:58.500Z' } };
    const objects = new FakeObjects(['s3://data-bucket/in/2026/12/31/a.csv']);

    const out = await resolveBatchRun(state, deps(objects));

    expect(out.run).toMatchObject({
      jobName: 'manual-20261231-235958',
      scheduledTime: '2026-12-31T23:59:58.500Z',
      inputS3Uri: 's3://data-bucket/in/2026/12/31/',
      outputS3Uri: 's3://data-bucket/out/2026/12/31/',
      action: 'create',
    });
  });

  it('resolves placeholders in UTC, including {HH}, from a scheduled time with an offset', async () => {
    const input = validBatchInput({
      scheduledTime: '2026-03-10T00:30:00+01:00',
      input: { s3Prefix: 's3://data-bucket/in/{yyyy}-{MM}-{dd}/{HH}/' },
      output: { s3Prefix: 's3://data-bucket/out/{yyyy}{MM}{dd}{HH}' },
    });
    const objects = new FakeObjects(['s3://data-bucket/in/2026-03-09/23/part-0001.csv']);

    const out = await resolveBatchRun(batchState(input), deps(objects));

    expect(out.run).toMatchObject({
      jobName: 'nightly-20260309-233000',
      inputS3Uri: 's3://data-bucket/in/2026-03-09/23/',
      outputS3Uri: 's3://data-bucket/out/2026030923',
      inputObjects: 1,
    });
  });

  it('follows the job that already has this run name instead of starting another, and starts the wait', async () => {
    const jobs = new FakeTransformJobs();
    jobs.put({ name: NIGHTLY_RUN.jobName, inputS3Uri: NIGHTLY_RUN.inputS3Uri, outputS3Uri: NIGHTLY_RUN.outputS3Uri });
    const objects = new FakeObjects(['s3://data-bucket/in/2026/03/09/a.csv']);

    const out = await resolveBatchRun(batchState(), deps(objects, jobs));

    expect(out.run).toEqual({ ...NIGHTLY_RUN, action: 'follow', inputObjects: 1 });
    expect(out.job).toEqual({ name: NIGHTLY_RUN.jobName, arn: transformJobArn(NIGHTLY_RUN.jobName), created: false });
    expect(out.wait).toEqual({ attempt: 0, seconds: 30, deadline: '2026-03-10T02:00:12.000Z' });
    expect(jobs.created).toHaveLength(0);
  });

  it('refuses to follow a job of this run name that reads or writes other prefixes', async () => {
    const jobs = new FakeTransformJobs();
    jobs.put({
      name: NIGHTLY_RUN.jobName,
      inputS3Uri: 's3://data-bucket/legacy-in/2026/03/09/',
      outputS3Uri: 's3://data-bucket/legacy-out/',
    });

    const result = resolveBatchRun(batchState(), deps(new FakeObjects(), jobs));

    await expect(result).rejects.toThrow(ResourceConflictError);
    await expect(result).rejects.toThrow(
      `Transform job ${NIGHTLY_RUN.jobName} exists for input s3://data-bucket/legacy-in/2026/03/09/`,
    );
  });

  it('follows an existing job even when its input has since been removed, rather than skipping', async () => {
    const jobs = new FakeTransformJobs();
    jobs.put({
      name: NIGHTLY_RUN.jobName,
      status: 'Completed',
      inputS3Uri: NIGHTLY_RUN.inputS3Uri,
      outputS3Uri: NIGHTLY_RUN.outputS3Uri,
    });

    const out = await resolveBatchRun(batchState(), deps(new FakeObjects(), jobs));

    expect(out.run).toMatchObject({ action: 'follow', inputObjects: 0, outputS3Uri: NIGHTLY_RUN.outputS3Uri });
  });

  it('skips a run with no input object under the resolved prefix', async () => {
    const objects = new FakeObjects(['s3://data-bucket/in/2026/03/08/yesterday.csv']);

    const out = await resolveBatchRun(batchState(), deps(objects));

    expect(out.run).toEqual({ ...NIGHTLY_RUN, action: 'skip', inputObjects: 0 });
  });

  it('does not count folder markers as input objects', async () => {
    const objects = new FakeObjects(['s3://data-bucket/in/2026/03/09/', 's3://data-bucket/in/2026/03/09/eu/']);

    const out = await resolveBatchRun(batchState(), deps(objects));

    expect(out.run).toMatchObject({ action: 'skip', inputObjects: 0 });
  });

  it('counts objects in sub-folders of the input prefix', async () => {
    const objects = new FakeObjects([
      's3://data-bucket/in/2026/03/09/eu/a.csv',
      's3://data-bucket/in/2026/03/09/us/b.csv',
      's3://data-bucket/in/2026/03/09/us/',
    ]);

    const out = await resolveBatchRun(batchState(), deps(objects));

    expect(out.run).toMatchObject({ action: 'create', inputObjects: 2 });
  });

  it('rethrows a failed describe unchanged', async () => {
    const throttled = new SageMakerThrottledError('SageMaker throttled DescribeTransformJob: Rate exceeded');
    const jobs = new FakeTransformJobs();
    jobs.describeTransformJob = async () => {
      throw throttled;
    };

    await expect(resolveBatchRun(batchState(), deps(new FakeObjects(), jobs))).rejects.toBe(throttled);
  });
});
