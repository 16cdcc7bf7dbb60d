/**
 * The health check of an asynchronous endpoint: the invoker (S3 upload, InvokeEndpointAsync, HeadObject polling)
 * with the real SDK clients whose `send` aws-sdk-client-mock replaces, and the HealthCheck core's async branch.
 */

import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointAsyncCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { asyncEndpointInvoker, failureResult } from '../../tasks/_shared/async-invocation.ts';
import { healthCheck } from '../../tasks/health-check/health-check.ts';
import { deploymentState, validInput } from './fakes.ts';

const s3Mock = mockClient(S3Client);
const runtimeMock = mockClient(SageMakerRuntimeClient);

afterEach(() => {
  s3Mock.reset();
  runtimeMock.reset();
});

const body = (text: string) =>
  Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text }) as never;
const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });

/** A clock that each sleep moves forward, so deadlines pass without waiting. */
function fakeTime() {
  let now = 0;
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

const TARGET = {
  inputPrefix: 's3://out-bucket/smwf-health-check/churn/run-1/',
  invocationTimeoutSeconds: 30,
  deadlineMs: 5000,
};
const REQUEST = { endpointName: 'churn', body: '1,2', contentType: 'text/csv', accept: 'application/json' };

describe('asyncEndpointInvoker', () => {
  it('uploads the sample, invokes with its location and returns the output once it exists', async () => {
    const time = fakeTime();
    runtimeMock.on(InvokeEndpointAsyncCommand).resolves({
      InferenceId: 'id-1',
      OutputLocation: 's3://out-bucket/output/id-1.out',
      FailureLocation: 's3://out-bucket/failures/id-1-error.out',
    });
    s3Mock
      .on(HeadObjectCommand, { Key: 'output/id-1.out' })
      .rejectsOnce(notFound())
      .rejectsOnce(notFound())
      .resolves({})
      .on(HeadObjectCommand, { Key: 'failures/id-1-error.out' })
      .rejects(notFound())
      .on(GetObjectCommand, { Key: 'output/id-1.out' })
      .resolves({ Body: body('{"predictions":[9]}') });
    const invoke = asyncEndpointInvoker({
      runtime: new SageMakerRuntimeClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
      ...time,
    })(TARGET);

    const result = await invoke(REQUEST);

    expect(result).toEqual({ status: 200, body: '{"predictions":[9]}', measuredMs: 300 });
    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put?.Bucket).toBe('out-bucket');
    expect(put?.Key).toMatch(/^smwf-health-check\/churn\/run-1\/[0-9a-f-]+\.in$/);
    expect(put?.Body).toBe('1,2');
    const sent = runtimeMock.commandCalls(InvokeEndpointAsyncCommand)[0]?.args[0].input;
    expect(sent).toEqual({
      EndpointName: 'churn',
      InputLocation: `s3://out-bucket/${put?.Key}`,
      ContentType: 'text/csv',
      Accept: 'application/json',
      InvocationTimeoutSeconds: 30,
    });
  });

  it('reads a failure object as the model status and message it reports', async () => {
    runtimeMock.on(InvokeEndpointAsyncCommand).resolves({
      OutputLocation: 's3://out-bucket/output/id-2.out',
      FailureLocation: 's3://out-bucket/failures/id-2-error.out',
    });
    s3Mock
      .on(HeadObjectCommand, { Key: 'output/id-2.out' })
      .rejects(notFound())
      .on(HeadObjectCommand, { Key: 'failures/id-2-error.out' })
      .resolves({})
      .on(GetObjectCommand, { Key: 'failures/id-2-error.out' })
      .resolves({
        Body: body('ClientError: Received client error (400) from model with message "expected 3 features, got 2".'),
      });
    const invoke = asyncEndpointInvoker({
      runtime: new SageMakerRuntimeClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
      ...fakeTime(),
    })(TARGET);

    expect(await invoke(REQUEST)).toEqual({ status: 400, body: 'expected 3 features, got 2' });
  });

  it('gives up at the deadline, naming both locations', async () => {
    runtimeMock.on(InvokeEndpointAsyncCommand).resolves({
      OutputLocation: 's3://out-bucket/output/id-3.out',
      FailureLocation: 's3://out-bucket/failures/id-3-error.out',
    });
    s3Mock.on(HeadObjectCommand).rejects(notFound());
    const invoke = asyncEndpointInvoker({
      runtime: new SageMakerRuntimeClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
      ...fakeTime(),
    })(TARGET);

    const result = await invoke(REQUEST);

    expect(result).toEqual({
      error:
        'no output at s3://out-bucket/output/id-3.out and no failure at s3://out-bucket/failures/id-3-error.out within 5 s',
      errorName: 'AsyncInferenceTimeout',
    });
  });
});

describe('failureResult', () => {
  it('fails with the text of a failure that carries no model answer', () => {
    expect(failureResult('Request expired: it waited in the queue longer than its RequestTTLSeconds (60 s).')).toEqual({
      error:
        'asynchronous inference failed: Request expired: it waited in the queue longer than its RequestTTLSeconds (60 s).',
      errorName: 'AsyncInferenceFailure',
    });
  });
});

describe('healthCheck of an asynchronous endpoint', () => {
  it('sends every sample through the async invoker and reports where the samples went', async () => {
    const targets: unknown[] = [];
    const state = deploymentState(
      validInput({
        async: { s3OutputPath: 's3://out-bucket/async/output/', healthCheckTimeoutSeconds: 20 },
        healthCheck: { samples: [{ body: '1,2', expectedOutputContains: 'score' }], invocations: 3 },
      }),
    );
    let now = 0;

    const out = await healthCheck(state, {
      clock: () => now,
      invoke: async () => {
        throw new Error('an async endpoint is never invoked synchronously');
      },
      invokeAsync: (target) => {
        targets.push(target);
        return async () => {
          now += 5;
          return { status: 200, body: '{"score":1}', measuredMs: 40 };
        };
      },
    });

    expect(targets).toEqual([
      {
        inputPrefix: 's3://out-bucket/smwf-health-check/churn/deploy-churn-1/',
        invocationTimeoutSeconds: 20,
        deadlineMs: 80_000,
      },
    ]);
    expect(out.healthCheck).toMatchObject({
      invocations: 3,
      succeeded: 3,
      latencyMs: { p50: 40, p95: 40, max: 40 },
      asyncInference: { inputPrefix: 's3://out-bucket/smwf-health-check/churn/deploy-churn-1/' },
    });
  });
});
