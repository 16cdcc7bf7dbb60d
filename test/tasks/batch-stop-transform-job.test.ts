import { describe, expect, it } from 'vitest';
import { stopTransformJob } from '../../tasks/stop-transform-job/stop-transform-job.ts';
import { FakeTransformJobs, NIGHTLY_RUN, resolvedState, transformJobArn } from './batch-fakes.ts';

const job = { name: NIGHTLY_RUN.jobName, arn: transformJobArn(NIGHTLY_RUN.jobName), created: true };

describe('stopTransformJob', () => {
  it('stops a job the failed run left running', async () => {
    const jobs = new FakeTransformJobs();
    jobs.put({ name: job.name, status: 'InProgress' });

    const out = await stopTransformJob(resolvedState(undefined, { job }), { jobs });

    expect(jobs.stopped).toEqual([job.name]);
    expect(out.stoppedJob).toEqual({ name: job.name, status: 'Stopping' });
    expect(jobs.jobs.get(job.name)?.status).toBe('Stopping');
  });

  it.each(['Completed', 'Failed', 'Stopped', 'Stopping'])('leaves a %s job alone', async (status) => {
    const jobs = new FakeTransformJobs();
    jobs.put({ name: job.name, status });

    const out = await stopTransformJob(resolvedState(undefined, { job }), { jobs });

    expect(jobs.stopped).toEqual([]);
    expect(out.stoppedJob).toBeUndefined();
  });

  it('calls nothing when the run failed before it had a job', async () => {
    const jobs = new FakeTransformJobs();

    const out = await stopTransformJob(resolvedState(), { jobs });

    expect(jobs.described).toEqual([]);
    expect(out.stoppedJob).toBeUndefined();
  });
});
