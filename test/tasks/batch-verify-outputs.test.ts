import { describe, expect, it } from 'vitest';
import type { BatchRun, BatchRunState } from '../../contracts/parts/batch-transform.ts';
import { handler as verifyOutputsHandler } from '../../tasks/verify-transform-outputs/handler.ts';
import { verifyTransformOutputs } from '../../tasks/verify-transform-outputs/verify-transform-outputs.ts';
import { FakeObjects, NIGHTLY_RUN, resolvedState, transformJobArn } from './batch-fakes.ts';

/** A run whose job settled (Completed unless `rest` says otherwise). */
function completed(run: Partial<BatchRun> = {}, rest: Partial<Pick<BatchRunState, 'jobStatus' | 'job'>> = {}) {
  return resolvedState(undefined, {
    run: { ...NIGHTLY_RUN, action: 'create' as const, inputObjects: 2, ...run },
    job: { name: NIGHTLY_RUN.jobName, arn: transformJobArn(NIGHTLY_RUN.jobName), created: true },
    jobStatus: { status: 'Completed', settled: true },
    ...rest,
  }) as BatchRunState & { run: BatchRun; jobStatus: NonNullable<BatchRunState['jobStatus']> };
}

describe('verifyTransformOutputs', () => {
  it('passes when every input object has its .out under the output prefix, mirroring sub-folders', async () => {
    const objects = new FakeObjects([
      's3://data-bucket/in/2026/03/09/a.csv',
      's3://data-bucket/in/2026/03/09/eu/b.csv',
      's3://data-bucket/in/2026/03/09/eu/',
      's3://data-bucket/out/2026/03/09/a.csv.out',
      's3://data-bucket/out/2026/03/09/eu/b.csv.out',
    ]);

    const out = await verifyTransformOutputs(completed(), { objects });

    expect(out.verification).toEqual({ inputObjects: 2, outputObjects: 2, missing: [] });
  });

  it('raises TransformOutputMissingError listing each input without its .out', async () => {
    const objects = new FakeObjects([
      's3://data-bucket/in/2026/03/09/a.csv',
      's3://data-bucket/in/2026/03/09/eu/b.csv',
      's3://data-bucket/in/2026/03/09/us/c.csv',
      's3://data-bucket/out/2026/03/09/a.csv.out',
      // Not mirrored: SageMaker would have written eu/b.csv.out.
      's3://data-bucket/out/2026/03/09/b.csv.out',
      // Not the .out of c.csv.
      's3://data-bucket/out/2026/03/09/us/c.out',
    ]);

    const result = verifyTransformOutputs(completed(), { objects });

    await expect(result).rejects.toMatchObject({
      name: 'TransformOutputMissingError',
      message:
        `Transform job ${NIGHTLY_RUN.jobName} completed, but 2 of 3 input objects have no .out: ` +
        's3://data-bucket/in/2026/03/09/eu/b.csv, s3://data-bucket/in/2026/03/09/us/c.csv',
    });
  });

  it('quotes at most five missing objects and counts the rest', async () => {
    const objects = new FakeObjects(
      Array.from({ length: 8 }, (_, i) => `s3://data-bucket/in/2026/03/09/part-${i}.csv`),
    );

    const error = await verifyTransformOutputs(completed(), { objects }).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'TransformOutputMissingError' });
    expect((error as Error).message).toMatch(/8 of 8 input objects have no \.out: .*part-4\.csv and 3 more$/);
    expect((error as Error).message).not.toContain('part-5.csv');
  });

  it('finds outputs under an output prefix without a trailing slash', async () => {
    const objects = new FakeObjects([
      's3://data-bucket/in/2026/03/09/a.csv',
      's3://data-bucket/out/2026030923/a.csv.out',
      // Shares the characters of the prefix but is another folder.
      's3://data-bucket/out/2026030923-old/a.csv.out',
    ]);

    const out = await verifyTransformOutputs(completed({ outputS3Uri: 's3://data-bucket/out/2026030923' }), {
      objects,
    });

    expect(out.verification).toEqual({ inputObjects: 1, outputObjects: 1, missing: [] });
    expect(objects.listed).toContain('s3://data-bucket/out/2026030923/');
  });

  it('keys outputs below the last slash of an input prefix that ends in a partial name', async () => {
    const objects = new FakeObjects([
      's3://data-bucket/in/2026/03/09/part-1.csv',
      's3://data-bucket/in/2026/03/09/part-2.csv',
      's3://data-bucket/in/2026/03/09/other.csv',
      's3://results/batch/part-1.csv.out',
      's3://results/batch/part-2.csv.out',
    ]);
    const run = { inputS3Uri: 's3://data-bucket/in/2026/03/09/part', outputS3Uri: 's3://results/batch/' };

    const out = await verifyTransformOutputs(completed(run), { objects });

    expect(out.verification).toEqual({ inputObjects: 2, outputObjects: 2, missing: [] });
  });

  it('does not count outputs written inside the input prefix as inputs', async () => {
    const objects = new FakeObjects([
      's3://data-bucket/daily/2026/03/09/a.csv',
      's3://data-bucket/daily/2026/03/09/results/a.csv.out',
    ]);
    const run = {
      inputS3Uri: 's3://data-bucket/daily/2026/03/09/',
      outputS3Uri: 's3://data-bucket/daily/2026/03/09/results/',
    };

    const out = await verifyTransformOutputs(completed(run), { objects });

    expect(out.verification).toEqual({ inputObjects: 1, outputObjects: 1, missing: [] });
  });

  it('checks inputs whose .out lands beside them when input and output share a prefix', async () => {
    const objects = new FakeObjects([
      's3://data-bucket/daily/a.csv',
      's3://data-bucket/daily/a.csv.out',
      's3://data-bucket/daily/b.csv',
    ]);
    const run = { inputS3Uri: 's3://data-bucket/daily/', outputS3Uri: 's3://data-bucket/daily/' };

    const result = verifyTransformOutputs(completed(run), { objects });

    await expect(result).rejects.toMatchObject({
      name: 'TransformOutputMissingError',
      message: expect.stringContaining('1 of 2 input objects have no .out: s3://data-bucket/daily/b.csv'),
    });
  });

  it('counts .out objects of an earlier stage as inputs when they lie outside the output prefix', async () => {
    const objects = new FakeObjects(['s3://data-bucket/stage1/a.csv.out', 's3://data-bucket/stage2/a.csv.out.out']);
    const run = { inputS3Uri: 's3://data-bucket/stage1/', outputS3Uri: 's3://data-bucket/stage2/' };

    const out = await verifyTransformOutputs(completed(run), { objects });

    expect(out.verification).toEqual({ inputObjects: 1, outputObjects: 1, missing: [] });
  });

  it.each([
    [
      { status: 'Failed', settled: true, failureReason: 'AlgorithmError: container exited' },
      'ended Failed: AlgorithmError: container exited',
    ],
    [{ status: 'Stopped', settled: true }, 'ended Stopped'],
  ])('raises TransformJobFailedError for a job that settled as %j', async (jobStatus, ending) => {
    const objects = new FakeObjects(['s3://data-bucket/in/2026/03/09/a.csv']);

    const result = verifyTransformOutputs(completed({}, { jobStatus }), { objects });

    await expect(result).rejects.toMatchObject({
      name: 'TransformJobFailedError',
      message: `Transform job ${NIGHTLY_RUN.jobName} ${ending}`,
    });
    expect(objects.listed).toHaveLength(0);
  });

  it('refuses a state document without the job status GetTransformJobStatus records, naming it', async () => {
    const { jobStatus: _, ...state } = completed();

    await expect(verifyOutputsHandler(state)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid VerifyTransformOutputs input: jobStatus: .*received undefined/),
    });
  });
});
