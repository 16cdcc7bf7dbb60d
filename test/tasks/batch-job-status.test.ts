import { describe, expect, it } from 'vitest';
import type { BatchRunState } from '../../contracts/parts/batch-transform.ts';
import { getTransformJobStatus } from '../../tasks/get-transform-job-status/get-transform-job-status.ts';
import { FakeTransformJobs, NIGHTLY_RUN, resolvedState, transformJobArn, validBatchInput } from './batch-fakes.ts';

const STARTED = new Date('2026-03-09T02:00:20.000Z');
const DEADLINE = '2026-03-10T02:00:20.000Z';
const at = (secondsAfterStart: number) => new Date(STARTED.getTime() + secondsAfterStart * 1000);

function waiting(rest: Partial<BatchRunState> = {}, input = validBatchInput()) {
  const job = { name: NIGHTLY_RUN.jobName, arn: transformJobArn(NIGHTLY_RUN.jobName), created: true };
  return resolvedState(input, { job, wait: { attempt: 0, seconds: 30, deadline: DEADLINE }, ...rest });
}

function jobsWith(status: string, failureReason?: string) {
  const jobs = new FakeTransformJobs();
  jobs.put({ name: NIGHTLY_RUN.jobName, status, ...(failureReason !== undefined ? { failureReason } : {}) });
  return jobs;
}

describe('getTransformJobStatus', () => {
  it('reports a running job as not settled and doubles the wait', async () => {
    const out = await getTransformJobStatus(waiting(), { jobs: jobsWith('InProgress'), now: () => at(30) });

    expect(out.jobStatus).toEqual({ status: 'InProgress', settled: false });
    expect(out.wait).toEqual({ attempt: 1, seconds: 60, deadline: DEADLINE });
  });

  it('backs off exponentially up to maxIntervalSeconds', async () => {
    const jobs = jobsWith('InProgress');
    let state = waiting();
    const waits: number[] = [];

    for (let poll = 1; poll <= 6; poll += 1) {
      state = await getTransformJobStatus(state, { jobs, now: () => at(poll * 600) });
      waits.push(state.wait?.seconds ?? -1);
    }

    expect(waits).toEqual([60, 120, 240, 300, 300, 300]);
    expect(state.wait?.attempt).toBe(6);
  });

  it('follows the wait policy of the input', async () => {
    const input = validBatchInput({ wait: { initialIntervalSeconds: 5, maxIntervalSeconds: 12, timeoutMinutes: 30 } });
    const state = waiting({ wait: { attempt: 1, seconds: 10, deadline: DEADLINE } }, input);

    const out = await getTransformJobStatus(state, { jobs: jobsWith('InProgress'), now: () => at(60) });

    expect(out.wait).toEqual({ attempt: 2, seconds: 12, deadline: DEADLINE });
  });

  it('never waits past the deadline', async () => {
    const out = await getTransformJobStatus(waiting(), {
      jobs: jobsWith('InProgress'),
      now: () => new Date(Date.parse(DEADLINE) - 45_000),
    });

    expect(out.wait?.seconds).toBe(45);
  });

  it('keeps polling a job that is stopping', async () => {
    const out = await getTransformJobStatus(waiting(), { jobs: jobsWith('Stopping'), now: () => at(30) });

    expect(out.jobStatus).toEqual({ status: 'Stopping', settled: false });
    expect(out.wait?.attempt).toBe(1);
  });

  it('raises TransformJobTimeoutError once the deadline has passed and the job still runs', async () => {
    const result = getTransformJobStatus(waiting(), {
      jobs: jobsWith('InProgress'),
      now: () => new Date(Date.parse(DEADLINE) + 1000),
    });

    await expect(result).rejects.toMatchObject({
      name: 'TransformJobTimeoutError',
      message: `Transform job ${NIGHTLY_RUN.jobName} is still InProgress after 1440 minutes (deadline ${DEADLINE})`,
    });
  });

  it.each([
    ['Completed', undefined],
    ['Failed', 'ClientError: See job logs for more information'],
    ['Stopped', undefined],
  ])('settles on %s with its FailureReason and leaves the wait as it was', async (status, failureReason) => {
    const state = waiting();

    const out = await getTransformJobStatus(state, {
      jobs: jobsWith(status, failureReason),
      now: () => new Date(Date.parse(DEADLINE) + 1000),
    });

    expect(out.jobStatus).toEqual({ status, settled: true, ...(failureReason ? { failureReason } : {}) });
    expect(out.wait).toEqual(state.wait);
  });

  it('starts the wait from now when the state has none yet', async () => {
    const { wait: _, ...state } = waiting();

    const out = await getTransformJobStatus(state, { jobs: jobsWith('InProgress'), now: () => STARTED });

    expect(out.wait).toEqual({ attempt: 1, seconds: 60, deadline: DEADLINE });
  });

  it('describes the followed job by its own name', async () => {
    const jobs = new FakeTransformJobs();
    jobs.put({ name: 'nightly-followed', status: 'Completed' });
    const state = waiting({
      job: { name: 'nightly-followed', arn: transformJobArn('nightly-followed'), created: false },
    });

    const out = await getTransformJobStatus(state, { jobs, now: () => at(30) });

    expect(jobs.described).toEqual(['nightly-followed']);
    expect(out.jobStatus?.status).toBe('Completed');
  });

  it('raises TransformJobFailedError when the job no longer exists', async () => {
    const result = getTransformJobStatus(waiting(), { jobs: new FakeTransformJobs(), now: () => at(30) });

    await expect(result).rejects.toMatchObject({
      name: 'TransformJobFailedError',
      message: `Transform job ${NIGHTLY_RUN.jobName} no longer exists`,
    });
  });
});
