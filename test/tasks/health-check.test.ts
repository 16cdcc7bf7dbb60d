import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { describe, expect, it } from 'vitest';
import { HealthCheckFailedError } from '../../contracts/errors.ts';
import {
  endpointInvoker,
  type InvocationRequest,
  type InvocationResult,
} from '../../tasks/_shared/endpoint-runtime.ts';
import { type HealthCheckDeps, healthCheck, INVOCATION_RETRY } from '../../tasks/health-check/health-check.ts';
import type { DeployEndpointInputDocument } from '../../workflows/deploy-endpoint/contract.ts';
import { deploymentState, validInput } from './fakes.ts';

type HealthCheckInput = DeployEndpointInputDocument['healthCheck'];

/** A model server on a fake clock: answers by body, taking the given latency. */
function fakeEndpoint(answer: (request: InvocationRequest, call: number) => InvocationResult & { latencyMs?: number }) {
  let now = 0;
  let inFlight = 0;
  const stats = { requests: [] as InvocationRequest[], maxInFlight: 0 };
  const deps: HealthCheckDeps = {
    clock: () => now,
    async invoke(request) {
      const call = stats.requests.length;
      stats.requests.push(request);
      inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      await yieldToEventLoop();
      inFlight -= 1;
      const { latencyMs = 10, ...result } = answer(request, call);
      now += latencyMs;
      return result;
    },
  };
  return { deps, stats };
}

const ok = (body = '{"score":0.9}') => ({ status: 200, body });

function stateWith(healthCheckInput: HealthCheckInput) {
  return deploymentState(
    validInput({
      variants: [{ name: 'Blue', instanceType: 'ml.m5.large' }],
      healthCheck: healthCheckInput,
    }),
  );
}

describe('healthCheck', () => {
  it('reports every invocation, the success rate and the latency percentiles', async () => {
    const latencies = [30, 10, 20, 40];
    const { deps } = fakeEndpoint((_, call) => ({ ...ok(), latencyMs: latencies[call] ?? 0 }));

    const out = await healthCheck(stateWith({ samples: [{ body: '{"x":1}' }], invocations: 4 }), deps);

    expect(out.healthCheck).toEqual({
      invocations: 4,
      succeeded: 4,
      successRate: 1,
      latencyMs: { p50: 20, p95: 40, max: 40 },
      failures: [],
    });
  });

  it('sends each sample in turn with its content type, accept header and target variant', async () => {
    const { deps, stats } = fakeEndpoint(() => ok());
    const samples = [
      { body: 'a', contentType: 'text/csv', accept: 'application/json', targetVariant: 'Blue' },
      { body: 'b' },
    ];

    await healthCheck(stateWith({ samples, invocations: 3 }), deps);

    expect(stats.requests).toEqual([
      { endpointName: 'churn', body: 'a', contentType: 'text/csv', accept: 'application/json', targetVariant: 'Blue' },
      { endpointName: 'churn', body: 'b', contentType: 'application/json' },
      { endpointName: 'churn', body: 'a', contentType: 'text/csv', accept: 'application/json', targetVariant: 'Blue' },
    ]);
  });

  it('invokes once per sample when no invocation count is given', async () => {
    const { deps, stats } = fakeEndpoint(() => ok());

    const out = await healthCheck(stateWith({ samples: [{ body: '1' }, { body: '2' }] }), deps);

    expect(stats.requests).toHaveLength(2);
    expect(out.healthCheck?.invocations).toBe(2);
  });

  it('never has more invocations in flight than the configured concurrency', async () => {
    const { deps, stats } = fakeEndpoint(() => ok());

    const out = await healthCheck(stateWith({ samples: [{ body: '1' }], invocations: 20, concurrency: 4 }), deps);

    expect(stats.maxInFlight).toBe(4);
    expect(out.healthCheck?.succeeded).toBe(20);
  });

  it('runs one invocation at a time by default', async () => {
    const { deps, stats } = fakeEndpoint(() => ok());

    await healthCheck(stateWith({ samples: [{ body: '1' }], invocations: 5 }), deps);

    expect(stats.maxInFlight).toBe(1);
  });

  it('fails an answer with an unexpected status, quoting its body', async () => {
    const { deps } = fakeEndpoint(() => ({ status: 500, body: 'model not loaded' }));

    const result = healthCheck(stateWith({ samples: [{ body: '{}' }] }), deps);

    await expect(result).rejects.toThrow(HealthCheckFailedError);
    await expect(result).rejects.toThrow('sample 0: expected status 200, got 500 with body "model not loaded"');
  });

  it('accepts the error status a sample expects', async () => {
    const { deps } = fakeEndpoint(() => ({ status: 400, body: 'missing features' }));

    const out = await healthCheck(stateWith({ samples: [{ body: '{}', expectedStatus: 400 }] }), deps);

    expect(out.healthCheck?.successRate).toBe(1);
  });

  it('compares the expected output ignoring surrounding whitespace', async () => {
    const { deps } = fakeEndpoint((request) => ok(request.body === 'good' ? '{"score":1}\n' : '{"score":0}'));
    const samples = [
      { body: 'good', expectedOutput: '{"score":1}' },
      { body: 'bad', expectedOutput: '{"score":1}' },
    ];

    const result = healthCheck(stateWith({ samples }), deps);

    await expect(result).rejects.toThrow(
      'Health check of endpoint churn failed: 1/2 invocations succeeded (50%, 100% required). ' +
        'sample 1: expected output "{\\"score\\":1}", got "{\\"score\\":0}"',
    );
  });

  it('fails an answer that lacks the expected fragment', async () => {
    const { deps } = fakeEndpoint(() => ok('{"error":"nan"}'));

    const result = healthCheck(stateWith({ samples: [{ body: '{}', expectedOutputContains: 'score' }] }), deps);

    await expect(result).rejects.toThrow('sample 0: expected output containing "score", got "{\\"error\\":\\"nan\\"}"');
  });

  it('fails an answer slower than the latency budget', async () => {
    const { deps } = fakeEndpoint(() => ({ ...ok(), latencyMs: 750 }));

    const result = healthCheck(stateWith({ samples: [{ body: '{}' }], latencyBudgetMs: 500 }), deps);

    await expect(result).rejects.toThrow('sample 0: took 750 ms, over the 500 ms latency budget');
  });

  it('accepts an answer exactly at the latency budget', async () => {
    const { deps } = fakeEndpoint(() => ({ ...ok(), latencyMs: 500 }));

    const out = await healthCheck(stateWith({ samples: [{ body: '{}' }], latencyBudgetMs: 500 }), deps);

    expect(out.healthCheck?.succeeded).toBe(1);
  });

  it('counts an invocation that could not be made as a failure, with its reason', async () => {
    const { deps } = fakeEndpoint(() => ({
      error: 'InvokeEndpoint failed with ValidationException: Endpoint churn not found',
      errorName: 'ValidationException',
    }));

    const result = healthCheck(stateWith({ samples: [{ body: '{}' }] }), deps);

    await expect(result).rejects.toThrow(
      'sample 0: InvokeEndpoint failed with ValidationException: Endpoint churn not found',
    );
  });

  it('passes when the success rate reaches the minimum', async () => {
    const { deps } = fakeEndpoint((_, call) => (call === 3 ? { status: 503, body: 'busy' } : ok()));

    const out = await healthCheck(stateWith({ samples: [{ body: '{}' }], invocations: 10, minSuccessRate: 0.9 }), deps);

    expect(out.healthCheck).toMatchObject({
      invocations: 10,
      succeeded: 9,
      successRate: 0.9,
      failures: ['sample 0: expected status 200, got 503 with body "busy"'],
    });
  });

  it('fails below the minimum success rate, stating the rate required', async () => {
    const { deps } = fakeEndpoint((_, call) => (call < 2 ? { status: 503, body: 'busy' } : ok()));

    const result = healthCheck(stateWith({ samples: [{ body: '{}' }], invocations: 10, minSuccessRate: 0.9 }), deps);

    await expect(result).rejects.toThrow('8/10 invocations succeeded (80%, 90% required)');
  });

  it('lists at most five failures in the error message', async () => {
    const { deps } = fakeEndpoint((_, call) => ({ status: 500, body: `oops ${call}` }));

    const error = await healthCheck(stateWith({ samples: [{ body: '{}' }], invocations: 8 }), deps).catch(
      (e: Error) => e,
    );

    expect(error).toBeInstanceOf(HealthCheckFailedError);
    expect((error as Error).message).toContain('0/8 invocations succeeded (0%, 100% required)');
    expect((error as Error).message).toContain('"oops 4"');
    expect((error as Error).message).not.toContain('"oops 5"');
  });

  it('reports a failure that repeats once, with how often it happened', async () => {
    const { deps } = fakeEndpoint(() => ({ status: 400, body: 'expected 3 features, got 2' }));

    const error = await healthCheck(stateWith({ samples: [{ body: '1,2' }], invocations: 10 }), deps).catch(
      (e: Error) => e,
    );

    const message = (error as Error).message;
    expect(message).toContain('got 400 with body "expected 3 features, got 2" (10 times)');
    expect(message.match(/expected 3 features/g)).toHaveLength(1);
  });

  it('retries throttled invocations with capped backoff and counts every throttled attempt', async () => {
    const throttle = {
      error: 'InvokeEndpoint failed with ThrottlingException: Rate exceeded',
      errorName: 'ThrottlingException',
    };
    // Invocations 0 and 1 are throttled once each, then served.
    const { deps, stats } = fakeEndpoint((_, call) => (call < 2 ? throttle : ok()));
    const waits: number[] = [];

    const out = await healthCheck(stateWith({ samples: [{ body: '{}' }], invocations: 2, concurrency: 2 }), {
      ...deps,
      random: () => 0.999,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    expect(out.healthCheck).toMatchObject({ invocations: 2, succeeded: 2, throttled: 2, failures: [] });
    expect(stats.requests).toHaveLength(4);
    expect(waits).toEqual([99, 99]);
  });

  it('fails a sample still throttled after the last attempt, naming ThrottlingException', async () => {
    const { deps, stats } = fakeEndpoint(() => ({
      error: 'InvokeEndpoint failed with ThrottlingException: Rate exceeded',
      errorName: 'ThrottlingException',
    }));
    const waits: number[] = [];

    const error = await healthCheck(stateWith({ samples: [{ body: '{}' }] }), {
      ...deps,
      random: () => 0.999,
      sleep: async (ms) => {
        waits.push(ms);
      },
    }).catch((e: Error) => e);

    expect(error).toBeInstanceOf(HealthCheckFailedError);
    expect((error as Error).message).toContain('sample 0: InvokeEndpoint failed with ThrottlingException');
    expect(stats.requests).toHaveLength(INVOCATION_RETRY.maxAttempts);
    expect(waits).toEqual([99, 199, 399, 799, 1598, 1998, 1998]);
  });

  it('retries an invocation whose connection was reset before its answer came (the runtime client tries once)', async () => {
    let sent = 0;
    const runtime = {
      async send() {
        sent += 1;
        if (sent === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return { Body: new TextEncoder().encode('{"score":0.9}') };
      },
    } as unknown as SageMakerRuntimeClient;
    const waits: number[] = [];

    const out = await healthCheck(stateWith({ samples: [{ body: '{}' }] }), {
      clock: () => 0,
      invoke: endpointInvoker(runtime),
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    expect(out.healthCheck).toMatchObject({ invocations: 1, succeeded: 1, failures: [] });
    expect(sent).toBe(2);
    expect(waits).toEqual([50]);
  });

  it('does not retry an answer of the model, whatever its status', async () => {
    const { deps, stats } = fakeEndpoint(() => ({ status: 500, body: 'boom' }));

    await healthCheck(stateWith({ samples: [{ body: '{}' }] }), deps).catch((e: Error) => e);

    expect(stats.requests).toHaveLength(1);
  });

  it('sends each invocation with an InferenceId of the run prefix and its number, and reports the prefix', async () => {
    const { deps, stats } = fakeEndpoint(() => ok());

    const out = await healthCheck(stateWith({ samples: [{ body: 'a' }, { body: 'b' }], invocations: 3 }), {
      ...deps,
      inferenceIdPrefix: 'run-7-',
    });

    expect(stats.requests.map((r) => r.inferenceId)).toEqual(['run-7-0', 'run-7-1', 'run-7-2']);
    expect(out.healthCheck?.inferenceIdPrefix).toBe('run-7-');
  });

  it('shortens long bodies it quotes', async () => {
    const { deps } = fakeEndpoint(() => ({ status: 500, body: 'x'.repeat(1000) }));

    const error = await healthCheck(stateWith({ samples: [{ body: '{}' }] }), deps).catch((e: Error) => e);

    expect((error as Error).message).toContain(`"${'x'.repeat(200)}..."`);
    expect((error as Error).message).not.toContain('x'.repeat(201));
  });
});
