/**
 * The load generator: closed-loop users on a virtual clock (what they send, when, and what counts), the HTTP sender
 * against a real local server (how each answer is classified), and the SigV4-signed request it sends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../tasks/_shared/latency-histogram.ts';
import { generateLoad, type WorkerPlan, workerUsers } from '../../tasks/generate-load/generate-load.ts';
import { HttpSender } from '../../tasks/generate-load/http-sender.ts';
import { weightedPicker } from '../../tasks/generate-load/load-worker.ts';
import { RequestSigner, runtimeEndpoint } from '../../tasks/generate-load/signed-requests.ts';

/** A virtual clock: `sleep` resolves when the clock reaches its time; `run` moves the clock from timer to timer. */
class VirtualClock {
  private t: number;
  private readonly timers: { at: number; resolve: () => void }[] = [];
  constructor(start: number) {
    this.t = start;
  }
  now = () => this.t;
  sleep = (ms: number) => new Promise<void>((resolve) => this.timers.push({ at: this.t + ms, resolve }));
  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const result = work.finally(() => {
      done = true;
    });
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done) break;
      this.timers.sort((a, b) => a.at - b.at);
      const timer = this.timers.shift();
      if (timer === undefined) throw new Error('nothing left to run and the work is not done');
      this.t = Math.max(this.t, timer.at);
      timer.resolve();
    }
    return result;
  }
}

const START = 1_700_000_000_000;

function plan(overrides: Partial<WorkerPlan> & { users?: number; seconds?: number; budget?: number } = {}): WorkerPlan {
  const users = overrides.users ?? 2;
  return {
    step: { index: 0, users, initialUsers: users, spawnRate: 0, durationSeconds: overrides.seconds ?? 10 },
    slice: { index: 0, startSecond: 0, seconds: overrides.seconds ?? 10, startAt: START + 1000 },
    worker: { index: 0, of: 1, budget: overrides.budget ?? 1_000_000 },
    windowSeconds: 1,
    ...overrides,
  };
}

/** A model that answers after `serviceMs`, with `answer` for each request number. */
function model(
  clock: VirtualClock,
  serviceMs: number,
  answer = (_n: number) => ({ status: 200 as number | undefined }),
) {
  let n = 0;
  return {
    next: () => 'request',
    send: async () => {
      const a = answer(n++);
      await clock.sleep(serviceMs);
      return {
        status: a.status,
        error: a.status === 200 ? undefined : a.status === undefined ? 'ECONNRESET' : `HTTP ${a.status}`,
        throttled: a.status === 429,
      };
    },
    now: clock.now,
    sleep: clock.sleep,
  };
}

describe('generateLoad', () => {
  it('starts at startAt with the other workers of its slice and keeps each user one request in flight, no pause, until the slice ends', async () => {
    const clock = new VirtualClock(START);
    // Worker 0 of 2 runs users 0 and 2 of the step's 4.
    const first = plan({ users: 4, worker: { index: 0, of: 2, budget: 1_000_000 } });

    const result = await clock.run(generateLoad(first, model(clock, 100)));

    // Two users, 100 ms a request, 10 s: 99 answers each before the end (the 100th lands on it and does not count).
    expect(result).toMatchObject({ requests: 198, succeeded: 198, startedAt: START + 1000, lateStartMs: 0 });
    expect(result.windows).toHaveLength(10);
    expect(result.windows.every((w) => w.requests >= 18 && w.requests <= 20)).toBe(true);
    const latency = LatencyHistogram.from(result.latency);
    expect(latency.percentile(50)).toBe(100_000);
    expect(latency.count).toBe(198);
  });

  it('counts statuses, errors and throttles, and keeps only successful latencies', async () => {
    const clock = new VirtualClock(START);
    const statuses = [200, 429, 200, 500, undefined];

    const result = await clock.run(
      generateLoad(
        plan({ users: 1, seconds: 1 }),
        model(clock, 10, (n) => ({ status: statuses[n % 5] })),
      ),
    );

    expect(result.throttled).toBeGreaterThan(0);
    expect(result.statuses['429']).toBe(result.throttled);
    expect(result.errors).toMatchObject({ 'HTTP 429': result.throttled, 'HTTP 500': expect.any(Number) });
    expect(result.errors.ECONNRESET).toBe(result.statuses.none);
    expect(LatencyHistogram.from(result.latency).count).toBe(result.succeeded);
    expect(result.requests).toBe(Object.values(result.statuses).reduce((a, b) => a + b, 0));
  });

  it('stops at its share of the invocation budget and says so', async () => {
    const clock = new VirtualClock(START);

    const result = await clock.run(generateLoad(plan({ budget: 50 }), model(clock, 100)));

    expect(result.requests).toBe(50);
    expect(result.budgetExhausted).toBe(true);
  });

  it('adds a phase’s users at its spawn rate: user n of the added ones starts n × 60 / spawnRate seconds in', async () => {
    const clock = new VirtualClock(START);
    const phase = plan({ seconds: 10 });
    const spawning: WorkerPlan = {
      ...phase,
      step: { index: 0, users: 11, initialUsers: 1, spawnRate: 60, durationSeconds: 10 },
    };

    const result = await clock.run(generateLoad(spawning, model(clock, 100)));

    // User 10 would start when the phase ends: ten users run, second k has k + 1 of them (each newcomer's first
    // answer lands 100 ms after it starts, so it answers 9 times in its first second).
    expect(result.users).toBe(10);
    expect(result.windows.map((w) => w.requests)).toEqual([9, 19, 29, 39, 49, 59, 69, 79, 89, 99]);
  });

  it('shares a step’s users between workers round-robin, and runs only those that start within its slice', () => {
    const step = { index: 0, users: 5, initialUsers: 1, spawnRate: 30, durationSeconds: 20 };
    const slice = { index: 1, startSecond: 4, seconds: 4, startAt: START };

    const delays = workerUsers({ step, slice, worker: { index: 1, of: 2, budget: 1 }, windowSeconds: 1 });

    // Users 1 and 3 start 2 s and 6 s into the step: at once in the slice from 4 s, and 2 s into it.
    expect(delays).toEqual([0, 2000]);
  });

  it('starts at once when it is the sole worker of its slice, and runs the slice’s seconds from then', async () => {
    // Started 700 ms after its step was planned (startAt, the plan's moment): nothing to wait for, nothing lost.
    const sole = plan({ slice: { index: 0, startSecond: 0, seconds: 10, startAt: START } });
    const clock = new VirtualClock(START + 700);

    const result = await clock.run(generateLoad(sole, model(clock, 100)));

    expect(result).toMatchObject({
      requests: 198,
      startAt: START + 700,
      startedAt: START + 700,
      lateStartMs: 0,
      endedAt: START + 10_700,
    });
  });

  it('reports how late a worker began when it was started after startAt', async () => {
    const clock = new VirtualClock(START + 3500);
    // Worker 0 of 2 runs user 0 of the step's 2.
    const late = plan({ users: 2, seconds: 5, worker: { index: 0, of: 2, budget: 1_000_000 } });

    const result = await clock.run(generateLoad(late, model(clock, 100)));

    // 2.5 s of the slice were left: 24 answers of 100 ms, the 25th landing on the end.
    expect(result.lateStartMs).toBe(2500);
    expect(result.requests).toBe(24);
  });
});

describe('weightedPicker', () => {
  it('draws each index in proportion to its weight', () => {
    let i = 0;
    const pick = weightedPicker([3, 1], () => (i++ % 100) / 100);

    const drawn = Array.from({ length: 100 }, pick);

    expect(drawn.filter((d) => d === 0)).toHaveLength(75);
  });
});

describe('HttpSender', () => {
  let server: Server;
  let port: number;
  const connections = new Set<unknown>();
  /** The /hang requests received, and who waits for the next. */
  let hung = 0;
  let onHang: (() => void) | undefined;
  const answers: Record<string, (res: import('node:http').ServerResponse) => void> = {
    '/ok': (res) => res.writeHead(200).end('{"predictions":[1]}'),
    '/model-error': (res) =>
      res
        .writeHead(424, { 'x-amzn-ErrorType': 'ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/' })
        .end('{"OriginalStatusCode":500,"OriginalMessage":"boom","Message":"Received server error (500)"}'),
    '/throttled': (res) => res.writeHead(400).end('{"__type":"ThrottlingException","Message":"Rate exceeded"}'),
    '/too-many': (res) => res.writeHead(429).end('{}'),
    '/validation': (res) => res.writeHead(400, { 'x-amzn-errortype': 'ValidationError' }).end('{}'),
    '/hang': () => {
      hung += 1;
      onHang?.();
    },
    '/chunked': (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"predictions":');
      res.end('[1]}');
    },
    '/chunked-error': (res) => {
      res.writeHead(400);
      res.write('{"__type":"com.amazon#Validation');
      res.end('Error","Message":"no"}');
    },
    '/reset': (res) => res.socket?.destroy(),
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      connections.add(req.socket);
      req.resume();
      req.on('end', () => answers[req.url ?? '']?.(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const request = (path: string) => ({
    protocol: 'http:' as const,
    hostname: '127.0.0.1',
    port,
    path,
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'text/csv', 'content-length': '3' },
    body: new TextEncoder().encode('1,2'),
  });

  it.each([
    ['/ok', { status: 200, error: undefined, throttled: false }],
    ['/model-error', { status: 424, error: 'ModelError 500', throttled: false }],
    ['/throttled', { status: 400, error: 'ThrottlingException', throttled: true }],
    ['/too-many', { status: 429, error: 'HTTP 429', throttled: true }],
    ['/validation', { status: 400, error: 'ValidationError', throttled: false }],
    ['/reset', { status: undefined, error: 'ECONNRESET', throttled: false }],
  ])('classifies the answer of %s', async (path, expected) => {
    const sender = new HttpSender(2, 5000);
    try {
      expect(await sender.send(request(path))).toEqual(expected);
    } finally {
      sender.close();
    }
  });

  it('reads a chunked answer, and sends again on the same kept-alive connection', async () => {
    connections.clear();
    const sender = new HttpSender(1, 5000);
    try {
      const answers = [await sender.send(request('/chunked')), await sender.send(request('/chunked-error'))];

      expect(answers).toEqual([
        { status: 200, error: undefined, throttled: false },
        { status: 400, error: 'ValidationError', throttled: false },
      ]);
      expect(connections.size).toBe(1);
    } finally {
      sender.close();
    }
  });

  it('gives up on a request unanswered after its timeout, on a new or a kept-alive connection', async () => {
    const sender = new HttpSender(1, 200);
    try {
      expect(await sender.send(request('/ok'))).toMatchObject({ status: 200 });
      expect(await sender.send(request('/hang'))).toEqual({ status: undefined, error: 'Timeout', throttled: false });
      expect(await sender.send(request('/hang'))).toEqual({ status: undefined, error: 'Timeout', throttled: false });
      expect(await sender.send(request('/ok'))).toMatchObject({ status: 200 });
    } finally {
      sender.close();
    }
  });

  it('sends nothing once closed: a request in flight ends with its connection and is not sent again', async () => {
    connections.clear();
    hung = 0;
    const sender = new HttpSender(1, 60_000);
    expect(await sender.send(request('/ok'))).toMatchObject({ status: 200 });
    const received = new Promise<void>((resolve) => {
      onHang = resolve;
    });
    const inFlight = sender.send(request('/hang'));
    await received;

    sender.close();

    expect(await inFlight).toEqual({ status: undefined, error: 'ECONNRESET', throttled: false });
    expect(await sender.send(request('/ok'))).toEqual({ status: undefined, error: 'SenderClosed', throttled: false });
    expect(hung).toBe(1);
    expect(connections.size).toBe(1);
  });
});

describe('RequestSigner', () => {
  const env = {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
  };

  it('finds SageMaker Runtime where the SDK would: the service endpoint variable, the general one, or the region', () => {
    expect(runtimeEndpoint({ ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).url.href).toBe(
      'http://127.0.0.1:4566/',
    );
    expect(
      runtimeEndpoint({ ...env, AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: 'http://b:2' }).url
        .host,
    ).toBe('b:2');
    expect(runtimeEndpoint(env).url.href).toBe('https://runtime.sagemaker.eu-west-1.amazonaws.com/');
    expect(runtimeEndpoint({ ...env, AWS_REGION: 'cn-north-1' }).url.host).toBe(
      'runtime.sagemaker.cn-north-1.amazonaws.com.cn',
    );
  });

  it('signs InvokeEndpoint with SigV4 for the sagemaker service, its members in their headers', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const signer = new RequestSigner(env);

      const signed = await signer.sign({
        EndpointName: 'churn',
        Body: new TextEncoder().encode('1,2'),
        ContentType: 'text/csv',
        Accept: 'application/json',
        TargetModel: 'v1.tar.gz',
      });

      expect(signed).toMatchObject({ protocol: 'https:', port: 443, path: '/endpoints/churn/invocations' });
      expect(signed.headers).toMatchObject({
        'content-type': 'text/csv',
        accept: 'application/json',
        'x-amzn-sagemaker-target-model': 'v1.tar.gz',
        'x-amz-security-token': 'token',
      });
      expect(signed.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sagemaker\/aws4_request, SignedHeaders=.*x-amzn-sagemaker-target-model.*, Signature=[0-9a-f]{64}$/,
      );
    } finally {
      process.env = saved;
    }
  });
});
