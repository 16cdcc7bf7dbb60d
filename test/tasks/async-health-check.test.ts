/**
 * The health check of an asynchronous endpoint: UploadAsyncSamples, HealthCheck's async half (InvokeEndpointAsync
 * through the real SDK client, whose `send` aws-sdk-client-mock replaces) and JudgeAsyncResults on fake S3 objects
 * and a fake clock.
 */
import { InvokeEndpointAsyncCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthCheckFailedError } from '../../contracts/errors.ts';
import { failureResult } from '../../tasks/_shared/async-health-check.ts';
import { asyncEndpointInvoker } from '../../tasks/_shared/async-runtime.ts';
import { startAsyncHealthCheck } from '../../tasks/health-check/health-check.ts';
import { judgeAsyncResults } from '../../tasks/judge-async-results/judge-async-results.ts';
import { uploadAsyncSamples } from '../../tasks/upload-async-samples/upload-async-samples.ts';
import { deploymentState, validInput } from './fakes.ts';

const runtimeMock = mockClient(SageMakerRuntimeClient);

afterEach(() => {
  runtimeMock.reset();
});

const PREFIX = 's3://out-bucket/smwf-health-check/churn/deploy-churn-1/';

/** A DeployEndpoint state with `async` set (its type says so). */
function asyncState(invocations = 2) {
  const state = deploymentState(
    validInput({
      async: { s3OutputPath: 's3://out-bucket/async/output/', healthCheckTimeoutSeconds: 20 },
      healthCheck: {
        samples: [
          { body: '1,2', contentType: 'text/csv', expectedOutputContains: 'score' },
          { body: '{"x":1}', expectedOutputContains: 'score' },
        ],
        invocations,
      },
    }),
  );
  const config = state.request.async;
  if (config === undefined) throw new Error('the input sets async');
  return { ...state, request: { ...state.request, async: config } };
}

/** S3 objects that appear at given times on a clock that each sleep moves forward. */
function fakeObjects(appearAt: Record<string, { at: number; text: string }>) {
  let now = 1_000_000;
  return {
    deps: {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
      objects: {
        async readIfWritten(uri: string) {
          const object = appearAt[uri];
          return object !== undefined && object.at <= now ? object.text : undefined;
        },
      },
    },
    started: now,
  };
}

describe('uploadAsyncSamples', () => {
  it('puts each sample under the execution prefix of the output bucket, with its content type', async () => {
    const puts: [string, string, string][] = [];

    const out = await uploadAsyncSamples(asyncState(), {
      objects: { put: async (uri, body, contentType) => void puts.push([uri, body, contentType]) },
    });

    expect(puts).toEqual([
      [`${PREFIX}sample-0.in`, '1,2', 'text/csv'],
      [`${PREFIX}sample-1.in`, '{"x":1}', 'application/json'],
    ]);
    expect(out.asyncSamples).toEqual({
      inputPrefix: PREFIX,
      inputLocations: [`${PREFIX}sample-0.in`, `${PREFIX}sample-1.in`],
    });
  });
});

describe('HealthCheck of an asynchronous endpoint', () => {
  it('sends every invocation with its sample location and records where each answer will be', async () => {
    runtimeMock
      .on(InvokeEndpointAsyncCommand)
      .resolvesOnce({ OutputLocation: 's3://out-bucket/async/output/a.out', FailureLocation: 's3://f/a-error.out' })
      .rejectsOnce(
        Object.assign(new Error('Endpoint churn of account 123456789012 not found.'), { name: 'ValidationError' }),
      )
      .resolves({ OutputLocation: 's3://out-bucket/async/output/c.out' });
    const state = {
      ...asyncState(3),
      asyncSamples: { inputPrefix: PREFIX, inputLocations: [`${PREFIX}sample-0.in`, `${PREFIX}sample-1.in`] },
    };

    const out = await startAsyncHealthCheck(state, {
      invoke: async () => ({ error: 'never called', errorName: 'Error' }),
      invokeAsync: asyncEndpointInvoker(new SageMakerRuntimeClient({ region: 'us-east-1' })),
      clock: () => 0,
      now: () => 42,
    });

    expect(runtimeMock.commandCalls(InvokeEndpointAsyncCommand).map((c) => c.args[0].input)).toEqual([
      {
        EndpointName: 'churn',
        InputLocation: `${PREFIX}sample-0.in`,
        ContentType: 'text/csv',
        InvocationTimeoutSeconds: 20,
      },
      {
        EndpointName: 'churn',
        InputLocation: `${PREFIX}sample-1.in`,
        ContentType: 'application/json',
        InvocationTimeoutSeconds: 20,
      },
      {
        EndpointName: 'churn',
        InputLocation: `${PREFIX}sample-0.in`,
        ContentType: 'text/csv',
        InvocationTimeoutSeconds: 20,
      },
    ]);
    expect(out.asyncHealthCheck.requests).toEqual([
      {
        sample: 0,
        invokedAt: 42,
        outputLocation: 's3://out-bucket/async/output/a.out',
        failureLocation: 's3://f/a-error.out',
      },
      {
        sample: 1,
        error: 'InvokeEndpointAsync failed with ValidationError: Endpoint churn of account 123456789012 not found.',
      },
      { sample: 0, invokedAt: 42, outputLocation: 's3://out-bucket/async/output/c.out' },
    ]);
  });
});

describe('judgeAsyncResults', () => {
  it('judges each output once written and reports queue latencies', async () => {
    const { deps, started } = fakeObjects({
      's3://o/a.out': { at: 1_000_300, text: '{"score":1}' },
      's3://o/b.out': { at: 1_000_700, text: '{"score":2}' },
    });
    const state = {
      ...asyncState(),
      asyncSamples: { inputPrefix: PREFIX, inputLocations: [] },
      asyncHealthCheck: {
        requests: [
          { sample: 0, invokedAt: started, outputLocation: 's3://o/a.out', failureLocation: 's3://o/a-error.out' },
          { sample: 1, invokedAt: started, outputLocation: 's3://o/b.out', failureLocation: 's3://o/b-error.out' },
        ],
      },
    };

    const out = await judgeAsyncResults(state, deps);

    expect(out.healthCheck).toEqual({
      invocations: 2,
      succeeded: 2,
      successRate: 1,
      latencyMs: { p50: 300, p95: 700, max: 700 },
      failures: [],
      asyncInference: { inputPrefix: PREFIX },
    });
  });

  it('fails with the model status a failure object reports, an unsent request and a missed deadline', async () => {
    const { deps, started } = fakeObjects({
      's3://o/a-error.out': {
        at: 1_000_100,
        text: 'ClientError: Received client error (400) from model with message "expected 3 features, got 2". See ...',
      },
    });
    const state = {
      ...asyncState(3),
      asyncSamples: { inputPrefix: PREFIX, inputLocations: [] },
      asyncHealthCheck: {
        requests: [
          { sample: 0, invokedAt: started, outputLocation: 's3://o/a.out', failureLocation: 's3://o/a-error.out' },
          { sample: 1, error: 'InvokeEndpointAsync failed with ValidationError: no' },
          { sample: 0, invokedAt: started, outputLocation: 's3://o/c.out', failureLocation: 's3://o/c-error.out' },
        ],
      },
    };

    const error = await judgeAsyncResults(state, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HealthCheckFailedError);
    const message = (error as Error).message;
    expect(message).toContain('0/3 invocations succeeded');
    expect(message).toContain('sample 0: expected status 200, got 400 with body "expected 3 features, got 2"');
    expect(message).toContain('sample 1: InvokeEndpointAsync failed with ValidationError: no');
    expect(message).toContain('sample 0: no output at s3://o/c.out and no failure at s3://o/c-error.out within 80 s');
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
