import { describe, expect, it, vi } from 'vitest';
import { ContainerUnavailableError } from '../../../local/emulator/hosting/container.ts';
import {
  type ChainStage,
  ContainerCallError,
  HopPayloadTooLargeError,
  hopAccept,
  invokeChain,
} from '../../../local/emulator/hosting/pipeline.ts';

type Seen = { hostname: string; headers: Record<string, string>; body: string };

/** A stage that records what it was sent and answers with `reply`. */
function stage(
  hostname: string,
  seen: Seen[],
  reply: { status?: number; contentType?: string; body?: string } = {},
  environment: Record<string, string> = {},
): ChainStage {
  return {
    hostname,
    environment,
    invoke: async (request) => {
      seen.push({ hostname, headers: request.headers, body: request.body.toString('utf8') });
      const headers: Record<string, string> = reply.contentType ? { 'content-type': reply.contentType } : {};
      return { status: reply.status ?? 200, headers, body: Buffer.from(reply.body ?? `${hostname}-out`) };
    },
  };
}

const request = (body = 'in') => ({
  body: Buffer.from(body),
  headers: { 'content-type': 'text/csv', accept: 'text/plain', 'x-amzn-sagemaker-custom-attributes': 'k=v' },
});

describe('invokeChain (serial inference pipelines)', () => {
  it('sends the request to the first container and each answer to the next, and returns the last answer', async () => {
    const seen: Seen[] = [];

    const answer = await invokeChain(
      [stage('a', seen, { contentType: 'application/json' }), stage('b', seen, { contentType: 'text/plain' })],
      request(),
      1000,
      undefined,
    );

    expect(answer.container).toBe('b');
    expect(answer.response.body.toString()).toBe('b-out');
    expect(seen.map((s) => [s.hostname, s.body])).toEqual([
      ['a', 'in'],
      ['b', 'a-out'],
    ]);
  });

  it('asks containers before the last for SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT, else JSON, and the last for the Accept', async () => {
    const seen: Seen[] = [];

    await invokeChain(
      [
        stage('a', seen, { contentType: 'application/json' }),
        stage(
          'b',
          seen,
          { contentType: 'application/x-recordio-protobuf' },
          {
            SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'application/x-recordio-protobuf',
          },
        ),
        stage('c', seen),
      ],
      request(),
      1000,
      undefined,
    );

    expect(seen.map((s) => [s.hostname, s.headers['content-type'], s.headers.accept])).toEqual([
      ['a', 'text/csv', 'application/json'],
      ['b', 'application/json', 'application/x-recordio-protobuf'],
      ['c', 'application/x-recordio-protobuf', 'text/plain'],
    ]);
    expect(seen.every((s) => s.headers['x-amzn-sagemaker-custom-attributes'] === 'k=v')).toBe(true);
  });

  it('gives the next container the Accept its predecessor was asked for when that one answered no Content-Type', async () => {
    const seen: Seen[] = [];

    await invokeChain(
      [stage('a', seen, {}, { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'text/csv' }), stage('b', seen)],
      request(),
      1000,
      undefined,
    );

    expect(seen[1]?.headers['content-type']).toBe('text/csv');
  });

  it('stops at the first container that answers anything but 2xx', async () => {
    const seen: Seen[] = [];

    const answer = await invokeChain([stage('a', seen, { status: 302 }), stage('b', seen)], request(), 1000, undefined);

    expect([answer.container, answer.response.status]).toEqual(['a', 302]);
    expect(seen).toHaveLength(1);
  });

  it('refuses a hop above the limit, naming both containers, and allows one at the limit', async () => {
    const fits = await invokeChain([stage('a', [], { body: 'x'.repeat(10) }), stage('b', [])], request(), 1000, 10);
    const tooBig = await invokeChain(
      [stage('a', [], { body: 'x'.repeat(11), status: 201 }), stage('b', [])],
      request(),
      1000,
      10,
    ).catch((err: unknown) => err);

    expect(fits.container).toBe('b');
    expect(tooBig).toBeInstanceOf(HopPayloadTooLargeError);
    expect(tooBig).toMatchObject({ from: 'a', to: 'b', status: 201, bytes: 11 });
  });

  it('names the container that could not be reached', async () => {
    const unreachable: ChainStage = {
      hostname: 'b',
      environment: {},
      invoke: async () => {
        throw new ContainerUnavailableError('timed out', true);
      },
    };

    const err = await invokeChain([stage('a', []), unreachable], request(), 1000, undefined).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ContainerCallError);
    expect(err).toMatchObject({ container: 'b', timedOut: true });
  });

  it('bounds the whole invocation by the timeout, naming the container at work when it runs out', async () => {
    const slow = (hostname: string, ms: number): ChainStage => ({
      hostname,
      environment: {},
      invoke: (request, timeoutMs) =>
        new Promise((resolve, reject) => {
          if (timeoutMs < ms) {
            setTimeout(() => reject(new ContainerUnavailableError('timed out', true)), timeoutMs);
            return;
          }
          setTimeout(() => resolve({ status: 200, headers: {}, body: request.body }), ms);
        }),
    });

    // On a fake clock: a answers at 60 ms, which leaves b 40 of the 100, not a 100 of its own.
    vi.useFakeTimers();
    try {
      const started = Date.now();
      let settledAfterMs: number | undefined;
      const outcome = invokeChain([slow('a', 60), slow('b', 60)], request(), 100, undefined)
        .catch((e: unknown) => e)
        .finally(() => {
          settledAfterMs = Date.now() - started;
        });

      await vi.advanceTimersByTimeAsync(100);
      const err = await outcome;

      expect(err).toBeInstanceOf(ContainerCallError);
      expect(err).toMatchObject({ container: 'b', timedOut: true });
      expect(settledAfterMs).toBe(100);
    } finally {
      vi.useRealTimers();
    }
  });

  it('treats an empty SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT as unset', () => {
    expect(hopAccept({ SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: ' ' })).toBe('application/json');
    expect(hopAccept({ SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'text/csv' })).toBe('text/csv');
  });
});
