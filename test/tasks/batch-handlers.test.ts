/**
 * The BatchTransform Lambda handlers with the real SDK clients, whose `send` aws-sdk-client-mock replaces: what
 * each handler sends to SageMaker / S3 / EventBridge, and how SDK errors and malformed states come out of it.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListObjectsV2Command, type ListObjectsV2CommandInput, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelCommand,
  CreateTransformJobCommand,
  DescribeModelCommand,
  DescribeTransformJobCommand,
  ResourceNotFound,
  SageMakerClient,
  StopTransformJobCommand,
} from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchRunState, BatchTransformInputDocument } from '../../contracts/parts/batch-transform.ts';
import { logger } from '../../tasks/_shared/logger.ts';
import { BatchTagKeys } from '../../tasks/_shared/tags.ts';
import { handler as getTransformJobStatus } from '../../tasks/get-transform-job-status/handler.ts';
import { handler as publishBatchEvent } from '../../tasks/publish-batch-event/handler.ts';
import { handler as resolveBatchRun } from '../../tasks/resolve-batch-run/handler.ts';
import { handler as startTransformJob } from '../../tasks/start-transform-job/handler.ts';
import { handler as stopTransformJob } from '../../tasks/stop-transform-job/handler.ts';
import { handler as verifyTransformOutputs } from '../../tasks/verify-transform-outputs/handler.ts';
import { handler as validateBatchInput } from '../../workflows/batch-transform/validate-input.ts';
import {
  BATCH_EXECUTION,
  batchState,
  NIGHTLY_RUN,
  resolvedState,
  transformJobArn,
  validBatchInput,
} from './batch-fakes.ts';
import { EXECUTION_ROLE_ARN, modelArn } from './fakes.ts';

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);
const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);

const JOB = NIGHTLY_RUN.jobName;
const JOB_ARN = transformJobArn(JOB);

/** An error as the SDK throws it for a service exception without its own class. */
const serviceError = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: 'client' });
const jobNotFound = () => serviceError('ValidationException', `Could not find requested job with name ${JOB}`);
const throttled = () => serviceError('ThrottlingException', 'Rate exceeded');

/** The state document as Step Functions hands it to the Lambda: plain JSON. */
const asJson = (state: BatchRunState): Record<string, unknown> => JSON.parse(JSON.stringify(state));

/** ListObjectsV2 over a fixed set of keys in one bucket, one key per page to exercise continuation. */
function bucketOf(bucket: string, keys: string[]) {
  return (input: ListObjectsV2CommandInput) => {
    if (input.Bucket !== bucket) return { Contents: [], KeyCount: 0 };
    const matching = keys.filter((k) => k.startsWith(input.Prefix ?? '')).sort();
    const start = input.ContinuationToken === undefined ? 0 : Number(input.ContinuationToken);
    const page = matching.slice(start, start + 1);
    const more = start + 1 < matching.length;
    return {
      Contents: page.map((Key) => ({ Key, Size: 10, ETag: '"etag"', LastModified: new Date(0) })),
      KeyCount: page.length,
      IsTruncated: more,
      ...(more ? { NextContinuationToken: String(start + 1) } : {}),
    };
  };
}

function describedJob(status: string, extra: Record<string, unknown> = {}) {
  return {
    TransformJobName: JOB,
    TransformJobArn: JOB_ARN,
    TransformJobStatus: status,
    ModelName: 'churn-model',
    TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: NIGHTLY_RUN.inputS3Uri } } },
    TransformOutput: { S3OutputPath: NIGHTLY_RUN.outputS3Uri },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    CreationTime: new Date(0),
    ...extra,
  } as never;
}

const started = (): Partial<BatchRunState> => ({
  model: { name: 'churn-model', arn: modelArn('churn-model'), created: false },
  job: { name: JOB, arn: JOB_ARN, created: true },
  wait: { attempt: 0, seconds: 30, deadline: '2999-01-01T00:00:00.000Z' },
});

beforeAll(() => {
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  sagemaker.reset();
  s3.reset();
  eventBridge.reset();
  dynamodb.reset();
  sfn.reset();
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('WAIT_TABLE_NAME', 'WaitRecords');
  vi.stubEnv('SAGEMAKER_EXECUTION_ROLE_ARN', EXECUTION_ROLE_ARN);
  vi.stubEnv('EVENT_BUS_NAME', 'sagemaker-workflows');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('ValidateBatchInput handler', () => {
  it('returns the state document with the defaults applied', async () => {
    const out = await validateBatchInput({ input: validBatchInput(), execution: BATCH_EXECUTION });

    expect(out.request).toMatchObject({
      scheduleName: 'nightly',
      input: { splitType: 'None', compressionType: 'None' },
      instanceType: 'ml.m5.large',
      wait: { timeoutMinutes: 1440 },
    });
    expect(out.execution).toEqual(BATCH_EXECUTION);
  });

  it('rejects a malformed execution input with InvalidInputError naming the field', async () => {
    const input = validBatchInput({ input: { s3Prefix: 'https://data-bucket/in/' } });

    const result = validateBatchInput({ input, execution: BATCH_EXECUTION });

    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid BatchTransform input: input\.s3Prefix: expected an S3 prefix/),
    });
  });

  it('rejects an unknown field rather than ignoring it', async () => {
    const input = { ...validBatchInput(), instanceCnt: 2 } as BatchTransformInputDocument;

    await expect(validateBatchInput({ input, execution: BATCH_EXECUTION })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('instanceCnt'),
    });
  });
});

describe('ResolveBatchRun handler', () => {
  it('lists the resolved input prefix page by page when SageMaker cannot find the job', async () => {
    sagemaker.on(DescribeTransformJobCommand).rejects(jobNotFound());
    s3.on(ListObjectsV2Command).callsFake(
      bucketOf('data-bucket', ['in/2026/03/09/a.csv', 'in/2026/03/09/b.csv', 'in/2026/03/09/c.csv', 'in/x.csv']),
    );

    const out = await resolveBatchRun(asJson(batchState()));

    expect(sagemaker.commandCalls(DescribeTransformJobCommand)[0]?.args[0].input).toEqual({ TransformJobName: JOB });
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'data-bucket', Prefix: 'in/2026/03/09/' },
      { Bucket: 'data-bucket', Prefix: 'in/2026/03/09/', ContinuationToken: '1' },
      { Bucket: 'data-bucket', Prefix: 'in/2026/03/09/', ContinuationToken: '2' },
    ]);
    expect(out.run).toEqual({ ...NIGHTLY_RUN, action: 'create', inputObjects: 3 });
  });

  it('treats ResourceNotFound as no job yet and skips an empty day', async () => {
    sagemaker
      .on(DescribeTransformJobCommand)
      .rejects(new ResourceNotFound({ message: 'Resource not found', $metadata: {} }));
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 });

    const out = await resolveBatchRun(asJson(batchState()));

    expect(out.run).toMatchObject({ action: 'skip', inputObjects: 0 });
  });

  it('follows the job SageMaker describes under the run name', async () => {
    sagemaker.on(DescribeTransformJobCommand).resolves(describedJob('InProgress'));
    s3.on(ListObjectsV2Command).callsFake(bucketOf('data-bucket', ['in/2026/03/09/a.csv']));

    const out = await resolveBatchRun(asJson(batchState()));

    expect(out.run).toMatchObject({ action: 'follow', inputObjects: 1, inputS3Uri: NIGHTLY_RUN.inputS3Uri });
    expect(out.job).toEqual({ name: JOB, arn: JOB_ARN, created: false });
  });

  it('surfaces throttling as SageMakerThrottledError, keeping the SDK error as cause', async () => {
    const sdkError = throttled();
    sagemaker.on(DescribeTransformJobCommand).rejects(sdkError);

    const error = await resolveBatchRun(asJson(batchState())).catch((e: Error) => e);

    expect(error).toMatchObject({
      name: 'SageMakerThrottledError',
      message: 'SageMaker throttled DescribeTransformJob: Rate exceeded',
    });
    expect((error as Error).cause).toBe(sdkError);
    expect(s3.calls()).toHaveLength(0);
  });

  it('rethrows S3 errors unchanged', async () => {
    sagemaker.on(DescribeTransformJobCommand).rejects(jobNotFound());
    const denied = serviceError('AccessDenied', 'Access Denied');
    s3.on(ListObjectsV2Command).rejects(denied);

    await expect(resolveBatchRun(asJson(batchState()))).rejects.toBe(denied);
  });

  it('rejects a malformed state document with InvalidInputError naming the field', async () => {
    const state = asJson(batchState()) as { request: { input: { s3Prefix: unknown } } };
    state.request.input.s3Prefix = 42;

    const result = resolveBatchRun(state);

    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'Invalid ResolveBatchRun input: request.input.s3Prefix: expected a string, received number',
    });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('rejects a state document without the execution facts', async () => {
    const { execution: _, ...state } = asJson(batchState());

    await expect(resolveBatchRun(state)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('execution: '),
    });
  });
});

describe('StartTransformJob handler', () => {
  it('creates the transform job on the existing model the input names', async () => {
    sagemaker.on(DescribeModelCommand).resolves({
      ModelName: 'churn-model',
      ModelArn: modelArn('churn-model'),
      ExecutionRoleArn: EXECUTION_ROLE_ARN,
      PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1' },
      CreationTime: new Date(0),
    });
    sagemaker.on(CreateTransformJobCommand).resolves({ TransformJobArn: JOB_ARN });
    const input = validBatchInput({
      input: { s3Prefix: 's3://data-bucket/in/{yyyy}/{MM}/{dd}/', contentType: 'text/csv', splitType: 'Line' },
      batchStrategy: 'MultiRecord',
      maxPayloadInMB: 1,
    });

    const out = await startTransformJob({ state: asJson(resolvedState(input)), taskToken: 'token-1' });

    expect(sagemaker.commandCalls(DescribeModelCommand)[0]?.args[0].input).toEqual({ ModelName: 'churn-model' });
    expect(sagemaker.commandCalls(CreateTransformJobCommand)[0]?.args[0].input).toEqual({
      TransformJobName: JOB,
      ModelName: 'churn-model',
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 1,
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: NIGHTLY_RUN.inputS3Uri } },
        ContentType: 'text/csv',
        SplitType: 'Line',
        CompressionType: 'None',
      },
      TransformOutput: { S3OutputPath: NIGHTLY_RUN.outputS3Uri, AssembleWith: 'None' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      Tags: [
        { Key: BatchTagKeys.schedule, Value: 'nightly' },
        { Key: BatchTagKeys.execution, Value: 'nightly-1' },
      ],
    });
    expect(out.job).toEqual({ name: JOB, arn: JOB_ARN, created: true });
    expect(out.model).toEqual({ name: 'churn-model', arn: modelArn('churn-model'), created: false });
  });

  it('raises InvalidInputError when SageMaker cannot find the named model', async () => {
    sagemaker.on(DescribeModelCommand).rejects(serviceError('ValidationException', 'Could not find model "x".'));

    await expect(startTransformJob({ state: asJson(resolvedState()), taskToken: 'token-1' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'model.name: no SageMaker model named churn-model',
    });
    expect(sagemaker.commandCalls(CreateTransformJobCommand)).toHaveLength(0);
  });

  it('creates the model of an image with the execution role from the environment', async () => {
    vi.stubEnv('SAGEMAKER_EXECUTION_ROLE_ARN', 'arn:aws:iam::123456789012:role/BatchRole');
    sagemaker.on(DescribeModelCommand).rejects(serviceError('ValidationException', 'Could not find model.'));
    sagemaker.on(CreateModelCommand).resolves({ ModelArn: modelArn('nightly-new') });
    sagemaker.on(CreateTransformJobCommand).resolves({ TransformJobArn: JOB_ARN });
    const input = validBatchInput({
      model: {
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1',
        modelDataUrl: 's3://models-bucket/m/model.tar.gz',
      },
    });

    const out = await startTransformJob({ state: asJson(resolvedState(input)), taskToken: 'token-1' });

    const created = sagemaker.commandCalls(CreateModelCommand)[0]?.args[0].input;
    expect(created).toEqual({
      ModelName: out.model?.name,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/BatchRole',
      PrimaryContainer: {
        Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1',
        ModelDataUrl: 's3://models-bucket/m/model.tar.gz',
        Environment: {},
      },
      Tags: [
        { Key: BatchTagKeys.schedule, Value: 'nightly' },
        { Key: BatchTagKeys.execution, Value: 'nightly-1' },
      ],
    });
    expect(out.model).toMatchObject({ name: expect.stringMatching(/^nightly-[0-9a-f]{10}$/), created: true });
    expect(sagemaker.commandCalls(CreateTransformJobCommand)[0]?.args[0].input.ModelName).toBe(out.model?.name);
  });

  it('follows the job when SageMaker says a job with this name already exists', async () => {
    sagemaker.on(DescribeModelCommand).resolves({
      ModelName: 'churn-model',
      ModelArn: modelArn('churn-model'),
      CreationTime: new Date(0),
    });
    sagemaker
      .on(CreateTransformJobCommand)
      .rejects(
        serviceError(
          'ValidationException',
          'Job name must be unique within an AWS account and region, and a job with this name already exists',
        ),
      );
    sagemaker.on(DescribeTransformJobCommand).resolves(describedJob('InProgress'));

    const out = await startTransformJob({ state: asJson(resolvedState()), taskToken: 'token-1' });

    expect(out.job).toEqual({ name: JOB, arn: JOB_ARN, created: false });
    expect(out.wait).toMatchObject({ attempt: 0, seconds: 30 });
  });

  it('surfaces throttling of CreateTransformJob as SageMakerThrottledError', async () => {
    sagemaker.on(DescribeModelCommand).resolves({
      ModelName: 'churn-model',
      ModelArn: modelArn('churn-model'),
      CreationTime: new Date(0),
    });
    sagemaker.on(CreateTransformJobCommand).rejects(throttled());

    await expect(startTransformJob({ state: asJson(resolvedState()), taskToken: 'token-1' })).rejects.toMatchObject({
      name: 'SageMakerThrottledError',
      message: 'SageMaker throttled CreateTransformJob: Rate exceeded',
    });
    expect(sagemaker.commandCalls(DescribeTransformJobCommand)).toHaveLength(0);
  });

  it('fails clearly when the execution role is not configured', async () => {
    vi.stubEnv('SAGEMAKER_EXECUTION_ROLE_ARN', '');

    await expect(startTransformJob({ state: asJson(resolvedState()), taskToken: 'token-1' })).rejects.toThrow(
      'Environment variable SAGEMAKER_EXECUTION_ROLE_ARN is not set',
    );
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('rejects a malformed state document with InvalidInputError naming the field', async () => {
    const state = asJson(resolvedState()) as { run: { jobName?: string } };
    delete state.run.jobName;

    await expect(startTransformJob({ state, taskToken: 'token-1' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'Invalid StartTransformJob input state: run.jobName: expected a string, received undefined',
    });
    expect(sagemaker.calls()).toHaveLength(0);
  });
});

describe('StopTransformJob handler', () => {
  it('stops the job a failed run left InProgress', async () => {
    sagemaker.on(DescribeTransformJobCommand).resolves(describedJob('InProgress'));
    sagemaker.on(StopTransformJobCommand).resolves({});

    const out = await stopTransformJob(asJson(resolvedState(undefined, started())));

    expect(sagemaker.commandCalls(StopTransformJobCommand)[0]?.args[0].input).toEqual({ TransformJobName: JOB });
    expect(out.stoppedJob).toEqual({ name: JOB, status: 'Stopping' });
  });

  it('surfaces throttling of StopTransformJob as SageMakerThrottledError, for the state machine to retry', async () => {
    sagemaker.on(DescribeTransformJobCommand).resolves(describedJob('InProgress'));
    sagemaker.on(StopTransformJobCommand).rejects(throttled());

    await expect(stopTransformJob(asJson(resolvedState(undefined, started())))).rejects.toMatchObject({
      name: 'SageMakerThrottledError',
    });
  });
});

describe('GetTransformJobStatus handler', () => {
  it('describes the job and schedules the next poll while it runs', async () => {
    sagemaker.on(DescribeTransformJobCommand).resolves(describedJob('InProgress'));

    const out = await getTransformJobStatus(asJson(resolvedState(undefined, started())));

    expect(sagemaker.commandCalls(DescribeTransformJobCommand)[0]?.args[0].input).toEqual({ TransformJobName: JOB });
    expect(out.jobStatus).toEqual({ status: 'InProgress', settled: false });
    expect(out.wait).toMatchObject({ attempt: 1, seconds: 60 });
  });

  it("settles on a failed job with SageMaker's FailureReason", async () => {
    sagemaker
      .on(DescribeTransformJobCommand)
      .resolves(describedJob('Failed', { FailureReason: 'ClientError: See job logs for more information' }));

    const out = await getTransformJobStatus(asJson(resolvedState(undefined, started())));

    expect(out.jobStatus).toEqual({
      status: 'Failed',
      settled: true,
      failureReason: 'ClientError: See job logs for more information',
    });
  });

  it('raises TransformJobFailedError when SageMaker cannot find the job', async () => {
    sagemaker.on(DescribeTransformJobCommand).rejects(jobNotFound());

    await expect(getTransformJobStatus(asJson(resolvedState(undefined, started())))).rejects.toMatchObject({
      name: 'TransformJobFailedError',
      message: `Transform job ${JOB} no longer exists`,
    });
  });

  it('surfaces throttling as SageMakerThrottledError', async () => {
    sagemaker.on(DescribeTransformJobCommand).rejects(throttled());

    await expect(getTransformJobStatus(asJson(resolvedState(undefined, started())))).rejects.toMatchObject({
      name: 'SageMakerThrottledError',
    });
  });

  it('rejects a malformed wait progress with InvalidInputError naming the field', async () => {
    const state = asJson(resolvedState(undefined, started())) as { wait: { seconds: unknown } };
    state.wait.seconds = 'thirty';

    await expect(getTransformJobStatus(state)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid GetTransformJobStatus input: wait\.seconds: /),
    });
  });
});

describe('VerifyTransformOutputs handler', () => {
  const completed = () =>
    asJson(resolvedState(undefined, { ...started(), jobStatus: { status: 'Completed', settled: true } }));

  it('lists inputs and outputs and records the verification', async () => {
    s3.on(ListObjectsV2Command).callsFake(
      bucketOf('data-bucket', [
        'in/2026/03/09/a.csv',
        'in/2026/03/09/eu/b.csv',
        'out/2026/03/09/a.csv.out',
        'out/2026/03/09/eu/b.csv.out',
      ]),
    );

    const out = await verifyTransformOutputs(completed());

    const prefixes = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    expect(new Set(prefixes)).toEqual(new Set(['in/2026/03/09/', 'out/2026/03/09/']));
    expect(out.verification).toEqual({ inputObjects: 2, outputObjects: 2, missing: [] });
  });

  it('raises TransformOutputMissingError naming the inputs without .out', async () => {
    s3.on(ListObjectsV2Command).callsFake(
      bucketOf('data-bucket', ['in/2026/03/09/a.csv', 'in/2026/03/09/b.csv', 'out/2026/03/09/a.csv.out']),
    );

    await expect(verifyTransformOutputs(completed())).rejects.toMatchObject({
      name: 'TransformOutputMissingError',
      message: `Transform job ${JOB} completed, but 1 of 2 input objects have no .out: s3://data-bucket/in/2026/03/09/b.csv`,
    });
  });

  it('rejects a state document whose job status is malformed', async () => {
    const state = completed() as { jobStatus: { settled: unknown } };
    state.jobStatus.settled = 'yes';

    await expect(verifyTransformOutputs(state)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid VerifyTransformOutputs input: jobStatus\.settled: /),
    });
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('PublishBatchEvent handler', () => {
  it('puts the event on the bus named by the environment and records its id', async () => {
    vi.stubEnv('EVENT_BUS_NAME', 'batch-bus');
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-9' }] });
    const state = resolvedState(undefined, {
      ...started(),
      jobStatus: { status: 'Completed', settled: true },
      verification: { inputObjects: 2, outputObjects: 2, missing: [] },
    });

    const out = await publishBatchEvent(asJson(state));

    const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries;
    expect(entries).toHaveLength(1);
    expect(entries?.[0]).toMatchObject({
      EventBusName: 'batch-bus',
      Source: 'sagemaker-workflows',
      DetailType: 'Batch Transform Completed',
      Resources: [JOB_ARN],
    });
    expect(JSON.parse(entries?.[0]?.Detail ?? '{}')).toMatchObject({
      transformJobName: JOB,
      counts: { inputObjects: 2, outputObjects: 2, missingOutputs: 0 },
    });
    expect(out.event).toEqual({ detailType: 'Batch Transform Completed', eventId: 'evt-9' });
  });

  it('raises EventNotPublishedError when EventBridge rejects the entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Please retry' }],
    });
    const state = batchState(undefined, { run: { ...NIGHTLY_RUN, action: 'skip', inputObjects: 0 } });

    await expect(publishBatchEvent(asJson(state))).rejects.toMatchObject({
      name: 'EventNotPublishedError',
      message: 'EventBridge rejected "Batch Transform Skipped": InternalFailure Please retry',
    });
  });

  it('fails clearly when the event bus is not configured', async () => {
    vi.stubEnv('EVENT_BUS_NAME', '');

    await expect(publishBatchEvent(asJson(batchState()))).rejects.toThrow(
      'Environment variable EVENT_BUS_NAME is not set',
    );
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('rejects a malformed caught error with InvalidInputError naming the field', async () => {
    const state = { ...asJson(batchState()), error: { Cause: 'boom' } };

    await expect(publishBatchEvent(state)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid PublishBatchEvent input: error\.Error: /),
    });
    expect(eventBridge.calls()).toHaveLength(0);
  });
});
