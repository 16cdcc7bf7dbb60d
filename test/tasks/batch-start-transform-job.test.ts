import { describe, expect, it } from 'vitest';
import { BatchTagKeys } from '../../tasks/_shared/tags.ts';
import { handler as startTransformJobHandler } from '../../tasks/start-transform-job/handler.ts';
import { startTransformJob } from '../../tasks/start-transform-job/start-transform-job.ts';
import { FakeTransformJobs, NIGHTLY_RUN, resolvedState, transformJobArn, validBatchInput } from './batch-fakes.ts';
import { EXECUTION_ROLE_ARN, FakeSageMaker, modelArn } from './fakes.ts';

const NOW = new Date('2026-03-09T02:00:20.000Z');
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0';
const MODEL_DATA = 's3://models-bucket/churn/1.4.0/model.tar.gz';

const TAGS = [
  { Key: BatchTagKeys.schedule, Value: 'nightly' },
  { Key: BatchTagKeys.execution, Value: 'nightly-1' },
];

function setup() {
  const sagemaker = new FakeSageMaker();
  sagemaker.seedModel('churn-model', { container: { Image: IMAGE, ModelDataUrl: MODEL_DATA, Environment: {} } });
  const jobs = new FakeTransformJobs();
  return { sagemaker, jobs, deps: { sagemaker, jobs, executionRoleArn: EXECUTION_ROLE_ARN, now: () => NOW } };
}

const imageModel = validBatchInput({
  model: { image: IMAGE, modelDataUrl: MODEL_DATA, environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' } },
});

describe('startTransformJob', () => {
  it('creates the job on the resolved prefixes with the defaults of the contract', async () => {
    const { jobs, deps } = setup();

    const out = await startTransformJob(resolvedState(), deps);

    expect(jobs.created).toEqual([
      {
        TransformJobName: NIGHTLY_RUN.jobName,
        ModelName: 'churn-model',
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: NIGHTLY_RUN.inputS3Uri } },
          SplitType: 'None',
          CompressionType: 'None',
        },
        TransformOutput: { S3OutputPath: NIGHTLY_RUN.outputS3Uri, AssembleWith: 'None' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
        Tags: TAGS,
      },
    ]);
    expect(out.model).toEqual({ name: 'churn-model', arn: modelArn('churn-model'), created: false });
    expect(out.job).toEqual({ name: NIGHTLY_RUN.jobName, arn: transformJobArn(NIGHTLY_RUN.jobName), created: true });
    expect(out.wait).toEqual({ attempt: 0, seconds: 30, deadline: '2026-03-10T02:00:20.000Z' });
  });

  it('maps every option of the contract onto CreateTransformJob', async () => {
    const { jobs, deps } = setup();
    const input = validBatchInput({
      input: {
        s3Prefix: 's3://data-bucket/in/{yyyy}/{MM}/{dd}/',
        contentType: 'text/csv',
        splitType: 'Line',
        compressionType: 'Gzip',
      },
      output: {
        s3Prefix: 's3://data-bucket/out/{yyyy}/{MM}/{dd}/',
        accept: 'application/jsonlines',
        assembleWith: 'Line',
        kmsKeyId: 'alias/batch-output',
      },
      batchStrategy: 'MultiRecord',
      maxPayloadInMB: 6,
      maxConcurrentTransforms: 4,
      dataProcessing: { inputFilter: '$[1:]', outputFilter: '$[0,-1]', joinSource: 'Input' },
      modelClientConfig: { invocationsTimeoutInSeconds: 600, invocationsMaxRetries: 2 },
      instanceType: 'ml.c5.2xlarge',
      instanceCount: 3,
      environment: { LOG_LEVEL: 'debug' },
    });

    await startTransformJob(resolvedState(input), deps);

    expect(jobs.created[0]).toEqual({
      TransformJobName: NIGHTLY_RUN.jobName,
      ModelName: 'churn-model',
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 6,
      MaxConcurrentTransforms: 4,
      Environment: { LOG_LEVEL: 'debug' },
      ModelClientConfig: { InvocationsTimeoutInSeconds: 600, InvocationsMaxRetries: 2 },
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: NIGHTLY_RUN.inputS3Uri } },
        ContentType: 'text/csv',
        SplitType: 'Line',
        CompressionType: 'Gzip',
      },
      TransformOutput: {
        S3OutputPath: NIGHTLY_RUN.outputS3Uri,
        Accept: 'application/jsonlines',
        AssembleWith: 'Line',
        KmsKeyId: 'alias/batch-output',
      },
      TransformResources: { InstanceType: 'ml.c5.2xlarge', InstanceCount: 3 },
      DataProcessing: { InputFilter: '$[1:]', OutputFilter: '$[0,-1]', JoinSource: 'Input' },
      Tags: TAGS,
    });
  });

  it('sends an unlimited payload (0) and container-decided concurrency (0) rather than dropping them', async () => {
    const { jobs, deps } = setup();

    await startTransformJob(resolvedState(validBatchInput({ maxPayloadInMB: 0, maxConcurrentTransforms: 0 })), deps);

    expect(jobs.created[0]).toMatchObject({ MaxPayloadInMB: 0, MaxConcurrentTransforms: 0 });
  });

  it('sends only the model client and data processing members that are given', async () => {
    const { jobs, deps } = setup();
    const input = validBatchInput({
      modelClientConfig: { invocationsMaxRetries: 0 },
      dataProcessing: { outputFilter: '$.score' },
    });

    await startTransformJob(resolvedState(input), deps);

    expect(jobs.created[0]?.ModelClientConfig).toEqual({ InvocationsMaxRetries: 0 });
    expect(jobs.created[0]?.DataProcessing).toEqual({ OutputFilter: '$.score' });
  });

  it('refuses a model name SageMaker does not know with InvalidInputError, before any job is created', async () => {
    const { jobs, deps } = setup();

    const result = startTransformJob(resolvedState(validBatchInput({ model: { name: 'no-such-model' } })), deps);

    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'model.name: no SageMaker model named no-such-model',
    });
    expect(jobs.created).toHaveLength(0);
  });

  it('creates the model of an image with the execution role and batch tags, named after the schedule', async () => {
    const { sagemaker, jobs, deps } = setup();

    const out = await startTransformJob(resolvedState(imageModel), deps);

    const name = out.model?.name ?? '';
    expect(name).toMatch(/^nightly-[0-9a-f]{10}$/);
    expect(sagemaker.models.get(name)?.description).toEqual({
      ModelName: name,
      ModelArn: modelArn(name),
      ExecutionRoleArn: EXECUTION_ROLE_ARN,
      PrimaryContainer: {
        Image: IMAGE,
        ModelDataUrl: MODEL_DATA,
        Environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' },
      },
    });
    expect(sagemaker.tags.get(modelArn(name))).toEqual({
      [BatchTagKeys.schedule]: 'nightly',
      [BatchTagKeys.execution]: 'nightly-1',
    });
    expect(out.model).toEqual({ name, arn: modelArn(name), created: true });
    expect(jobs.created[0]?.ModelName).toBe(name);
  });

  it('creates a serial pipeline model of the containers, in order, for a run with containers', async () => {
    const { sagemaker, jobs, deps } = setup();
    const pipeline = validBatchInput({
      model: {
        containers: [
          {
            image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/featurizer:1',
            modelDataUrl: 's3://models-bucket/featurizer/model.tar.gz',
          },
          { image: IMAGE, modelDataUrl: MODEL_DATA, environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' } },
        ],
      },
    });

    const out = await startTransformJob(resolvedState(pipeline), deps);

    const name = out.model?.name ?? '';
    expect(name).toMatch(/^nightly-[0-9a-f]{10}$/);
    expect(sagemaker.models.get(name)?.description).toEqual({
      ModelName: name,
      ModelArn: modelArn(name),
      ExecutionRoleArn: EXECUTION_ROLE_ARN,
      Containers: [
        {
          Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/featurizer:1',
          ModelDataUrl: 's3://models-bucket/featurizer/model.tar.gz',
          Environment: {},
        },
        { Image: IMAGE, ModelDataUrl: MODEL_DATA, Environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' } },
      ],
      InferenceExecutionConfig: { Mode: 'Serial' },
    });
    expect(jobs.created[0]?.ModelName).toBe(name);
  });

  it('reuses the model a previous run created with the same image, artifact and environment', async () => {
    const first = setup();
    const { model } = await startTransformJob(resolvedState(imageModel), first.deps);
    const jobs = new FakeTransformJobs();

    const out = await startTransformJob(resolvedState(imageModel), { ...first.deps, jobs });

    expect(out.model).toEqual({ ...model, created: false });
    expect(first.sagemaker.callsOf('createModel')).toHaveLength(1);
    expect(jobs.created[0]?.ModelName).toBe(model?.name);
  });

  it('names a model with another artifact differently, so a new version never overwrites the old one', async () => {
    const { deps } = setup();
    const other = validBatchInput({
      model: { image: IMAGE, modelDataUrl: 's3://models-bucket/churn/1.5.0/model.tar.gz' },
    });

    const a = await startTransformJob(resolvedState(imageModel), deps);
    const b = await startTransformJob(resolvedState(other), { ...deps, jobs: new FakeTransformJobs() });

    expect(b.model?.name).not.toBe(a.model?.name);
    expect(b.model?.created).toBe(true);
  });

  it('refuses to reuse a model of the same name but another specification with ResourceConflictError', async () => {
    const { sagemaker, jobs, deps } = setup();
    const { model } = await startTransformJob(resolvedState(imageModel), { ...deps, jobs: new FakeTransformJobs() });
    // Someone else's model under the same name: the same but for the image.
    const stored = sagemaker.models.get(model?.name ?? '');
    sagemaker.models.delete(model?.name ?? '');
    sagemaker.seedModel(model?.name ?? '', {
      container: { ...stored?.description.PrimaryContainer, Image: 'someone-else:latest' },
    });

    const result = startTransformJob(resolvedState(imageModel), deps);

    await expect(result).rejects.toMatchObject({
      name: 'ResourceConflictError',
      message: expect.stringContaining(`Model ${model?.name} exists with a different specification`),
    });
    expect(jobs.created).toHaveLength(0);
  });

  it('follows the job when a racing duplicate created it first (the name is taken)', async () => {
    const { jobs, deps } = setup();
    jobs.put({ name: NIGHTLY_RUN.jobName, arn: 'arn:aws:sagemaker:us-east-1:123456789012:transform-job/first' });

    const out = await startTransformJob(resolvedState(), deps);

    expect(out.job).toEqual({
      name: NIGHTLY_RUN.jobName,
      arn: 'arn:aws:sagemaker:us-east-1:123456789012:transform-job/first',
      created: false,
    });
    expect(out.wait).toMatchObject({ attempt: 0, seconds: 30 });
  });

  it('follows the job when SageMaker answers ResourceInUse', async () => {
    const { jobs, deps } = setup();
    jobs.put({ name: NIGHTLY_RUN.jobName });
    jobs.failNextCreate(Object.assign(new Error('in use'), { name: 'ResourceInUse' }));

    const out = await startTransformJob(resolvedState(), deps);

    expect(out.job).toMatchObject({ name: NIGHTLY_RUN.jobName, created: false });
  });

  it('rethrows a name-taken error unchanged when the job cannot be described', async () => {
    const { jobs, deps } = setup();
    const taken = Object.assign(new Error('a job with this name already exists'), { name: 'ValidationException' });
    jobs.failNextCreate(taken);

    await expect(startTransformJob(resolvedState(), deps)).rejects.toBe(taken);
    expect(jobs.described).toEqual([NIGHTLY_RUN.jobName]);
  });

  it('rethrows other create errors unchanged without looking for an existing job', async () => {
    const { jobs, deps } = setup();
    const quota = Object.assign(new Error('The account-level service limit for ml.m5.large is 0'), {
      name: 'ResourceLimitExceeded',
    });
    jobs.failNextCreate(quota);

    await expect(startTransformJob(resolvedState(), deps)).rejects.toBe(quota);
    expect(jobs.described).toHaveLength(0);
  });

  it('refuses a state document without the resolved run with InvalidInputError naming it', async () => {
    const { run: _, ...state } = resolvedState();

    await expect(startTransformJobHandler({ state, taskToken: 'token-1' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid StartTransformJob input state: run: .*received undefined/),
    });
  });
});
