import { describe, expect, it } from 'vitest';
import { BatchTagKeys } from '../../tasks/_shared/tags.ts';
import { deleteRunModel } from '../../tasks/delete-run-model/delete-run-model.ts';
import { startTransformJob } from '../../tasks/start-transform-job/start-transform-job.ts';
import { FakeTransformJobs, NIGHTLY_RUN, resolvedState, validBatchInput } from './batch-fakes.ts';
import { EXECUTION_ROLE_ARN, FakeSageMaker, modelArn } from './fakes.ts';

const imageModel = validBatchInput({
  model: { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1', modelDataUrl: 's3://models/churn.tar.gz' },
});

function setup() {
  const sagemaker = new FakeSageMaker();
  const jobs = new FakeTransformJobs();
  const deps = { sagemaker, jobs, executionRoleArn: EXECUTION_ROLE_ARN };
  return { sagemaker, jobs, deps };
}

/** Runs StartTransformJob so the run's model exists; returns its name. */
async function startRun(deps: ReturnType<typeof setup>['deps']) {
  const out = await startTransformJob(resolvedState(imageModel), { ...deps, now: () => new Date() });
  return out.model?.name ?? '';
}

describe('deleteRunModel', () => {
  it('deletes the model this run created, found by its name even when the run never recorded it', async () => {
    const { sagemaker, deps } = setup();
    const name = await startRun(deps);

    const out = await deleteRunModel(resolvedState(imageModel), deps);

    expect(out.modelCleanup).toEqual({ model: name, action: 'deleted', reason: 'created by this run, which failed' });
    expect(sagemaker.models.has(name)).toBe(false);
  });

  it('keeps a model another execution created', async () => {
    const { sagemaker, deps } = setup();
    const name = await startRun(deps);
    sagemaker.tags.set(modelArn(name), { [BatchTagKeys.execution]: 'nightly-0' });

    const out = await deleteRunModel(resolvedState(imageModel), deps);

    expect(out.modelCleanup).toEqual({ model: name, action: 'kept', reason: 'created by execution nightly-0' });
    expect(sagemaker.models.has(name)).toBe(true);
  });

  it("keeps the model while another of the schedule's jobs runs with it", async () => {
    const { sagemaker, jobs, deps } = setup();
    const name = await startRun(deps);
    jobs.put({ name: 'nightly-20260310-020000', status: 'InProgress', modelName: name });
    jobs.put({ name: NIGHTLY_RUN.jobName, status: 'InProgress', modelName: name });

    const out = await deleteRunModel(resolvedState(imageModel), deps);

    expect(out.modelCleanup).toEqual({
      model: name,
      action: 'kept',
      reason: 'in use by transform job nightly-20260310-020000',
    });
    expect(sagemaker.models.has(name)).toBe(true);
  });

  it('leaves an existing model the input names alone', async () => {
    const { sagemaker, deps } = setup();
    sagemaker.seedModel('churn-model');

    const out = await deleteRunModel(resolvedState(), deps);

    expect(out.modelCleanup).toEqual({
      model: 'churn-model',
      action: 'none',
      reason: 'the run uses an existing model',
    });
    expect(sagemaker.callsOf('deleteModel')).toEqual([]);
  });

  it('does nothing when the run failed before creating its model', async () => {
    const { sagemaker, deps } = setup();

    const out = await deleteRunModel(resolvedState(imageModel), deps);

    expect(out.modelCleanup).toMatchObject({ action: 'none', reason: 'the run created no model' });
    expect(sagemaker.callsOf('deleteModel')).toEqual([]);
  });
});
