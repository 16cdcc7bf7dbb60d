import { describe, expect, it } from 'vitest';
import { EventNotPublishedError } from '../../contracts/errors.ts';
import type { BatchRunState } from '../../contracts/parts/batch-transform.ts';
import type { LifecycleEvent } from '../../tasks/_shared/events.ts';
import { BatchEventTypes, publishBatchEvent } from '../../tasks/publish-batch-event/publish-batch-event.ts';
import { BATCH_EXECUTION, batchState, NIGHTLY_RUN, resolvedState, transformJobArn } from './batch-fakes.ts';
import { modelArn } from './fakes.ts';

const JOB_ARN = transformJobArn(NIGHTLY_RUN.jobName);

function bus() {
  const published: LifecycleEvent[] = [];
  return {
    published,
    publish: async (event: LifecycleEvent) => {
      published.push(event);
      return `event-${published.length}`;
    },
  };
}

function afterJob(rest: Partial<BatchRunState> = {}): BatchRunState {
  return resolvedState(undefined, {
    model: { name: 'churn-model', arn: modelArn('churn-model'), created: false },
    job: { name: NIGHTLY_RUN.jobName, arn: JOB_ARN, created: true },
    ...rest,
  });
}

const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [] });

describe('publishBatchEvent', () => {
  it('announces a completed run with its job, locations and counts', async () => {
    const events = bus();
    const state = afterJob({
      jobStatus: { status: 'Completed', settled: true },
      verification: { inputObjects: 2, outputObjects: 2, missing: [] },
    });

    const out = await publishBatchEvent(state, events);

    expect(events.published).toEqual([
      {
        detailType: 'Batch Transform Completed',
        detail: {
          scheduleName: 'nightly',
          scheduledTime: NIGHTLY_RUN.scheduledTime,
          execution: BATCH_EXECUTION.id,
          transformJobName: NIGHTLY_RUN.jobName,
          modelName: 'churn-model',
          input: NIGHTLY_RUN.inputS3Uri,
          output: NIGHTLY_RUN.outputS3Uri,
          jobStatus: 'Completed',
          counts: { inputObjects: 2, outputObjects: 2, missingOutputs: 0 },
          followedExistingJob: false,
        },
        resources: [JOB_ARN],
      },
    ]);
    expect(out.event).toEqual({ detailType: BatchEventTypes.completed, eventId: 'event-1' });
  });

  it("announces a failed job with SageMaker's FailureReason and the caught error", async () => {
    const events = bus();
    const reason = 'ClientError: See job logs for more information';
    const state = afterJob({
      jobStatus: { status: 'Failed', settled: true, failureReason: reason },
      error: {
        Error: 'TransformJobFailedError',
        Cause: lambdaCause('TransformJobFailedError', `Transform job ${NIGHTLY_RUN.jobName} ended Failed: ${reason}`),
      },
    });

    const out = await publishBatchEvent(state, events);

    expect(events.published[0]?.detailType).toBe('Batch Transform Failed');
    expect(events.published[0]?.detail).toMatchObject({
      jobStatus: 'Failed',
      failureReason: reason,
      counts: { inputObjects: 2 },
      error: {
        name: 'TransformJobFailedError',
        message: `Transform job ${NIGHTLY_RUN.jobName} ended Failed: ${reason}`,
      },
    });
    expect(events.published[0]?.resources).toEqual([JOB_ARN]);
    expect(out.event?.detailType).toBe(BatchEventTypes.failed);
  });

  it('announces a Step Functions timeout with its plain-text cause', async () => {
    const events = bus();
    const state = afterJob({ error: { Error: 'States.Timeout', Cause: 'Task timed out after 60 seconds' } });

    await publishBatchEvent(state, events);

    expect(events.published[0]?.detail.error).toEqual({
      name: 'States.Timeout',
      message: 'Task timed out after 60 seconds',
    });
  });

  it('announces a failure before any job existed, with what was known', async () => {
    const events = bus();
    const state = batchState(undefined, {
      error: { Error: 'SageMakerThrottledError', Cause: lambdaCause('SageMakerThrottledError', 'Rate exceeded') },
    });

    await publishBatchEvent(state, events);

    expect(events.published).toEqual([
      {
        detailType: 'Batch Transform Failed',
        detail: {
          scheduleName: 'nightly',
          execution: BATCH_EXECUTION.id,
          counts: { inputObjects: 0 },
          followedExistingJob: false,
          error: { name: 'SageMakerThrottledError', message: 'Rate exceeded' },
        },
        resources: [],
      },
    ]);
  });

  it('announces a skipped run without a job', async () => {
    const events = bus();
    const state = batchState(undefined, { run: { ...NIGHTLY_RUN, action: 'skip', inputObjects: 0 } });

    const out = await publishBatchEvent(state, events);

    expect(events.published[0]).toEqual({
      detailType: 'Batch Transform Skipped',
      detail: {
        scheduleName: 'nightly',
        scheduledTime: NIGHTLY_RUN.scheduledTime,
        execution: BATCH_EXECUTION.id,
        transformJobName: NIGHTLY_RUN.jobName,
        input: NIGHTLY_RUN.inputS3Uri,
        output: NIGHTLY_RUN.outputS3Uri,
        counts: { inputObjects: 0 },
        followedExistingJob: false,
      },
      resources: [],
    });
    expect(out.event).toEqual({ detailType: BatchEventTypes.skipped, eventId: 'event-1' });
  });

  it.each([
    ['ResolveRun followed the job', { action: 'follow' as const }, true],
    ['StartTransformJob found the name taken', { action: 'create' as const }, false],
  ])('says the run followed an existing job when %s', async (_, run, created) => {
    const events = bus();
    const state = afterJob({
      run: { ...NIGHTLY_RUN, inputObjects: 1, ...run },
      job: { name: NIGHTLY_RUN.jobName, arn: JOB_ARN, created },
      jobStatus: { status: 'Completed', settled: true },
      verification: { inputObjects: 1, outputObjects: 1, missing: [] },
    });

    await publishBatchEvent(state, events);

    expect(events.published[0]?.detail.followedExistingJob).toBe(true);
  });

  it('rethrows a rejected publish unchanged', async () => {
    const rejected = new EventNotPublishedError('EventBridge rejected "Batch Transform Completed": InternalFailure');

    const result = publishBatchEvent(afterJob(), {
      publish: async () => {
        throw rejected;
      },
    });

    await expect(result).rejects.toBe(rejected);
  });
});
