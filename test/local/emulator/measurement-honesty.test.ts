/**
 * The emulator measures the model, not itself: with the example model's fixed service time S and W workers per
 * instance (examples/containers/README.md), what closed-loop clients sustain through the emulator must follow the
 * queueing arithmetic, N instances x W workers / S requests per second, within 20%. Each load keeps eight users per
 * worker, so that a worker finds a request waiting when it ends one even while answers and new requests are on
 * their way: a user's round trip outside the model may take up to seven service times (140 ms, as on a machine
 * whose every core is busy with other work) before a worker idles and the figure measures the round trip instead of
 * the model. Each window counts at least 150 requests (3 s at 50 per second for the smallest layout); what the
 * window's edges can miscount is the requests in service as it opens and closes, at most one per worker: under 1%.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClosedLoopResult, closedLoop, percentileOf, throughput } from './closed-loop.ts';
import { clients, deployModel, LINEAR_IMAGE, startTestEmulator, uploadLinearModel } from './helpers.ts';

const SERVICE_MS = 20;
const WINDOW_SECONDS = 3;

describe('measurement through the emulator follows queueing arithmetic', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  const sustained = new Map<string, ClosedLoopResult>();

  /** The endpoints measured: instances and workers per instance. */
  const layouts = [
    { name: 'honest-1x1', instances: 1, workers: 1 },
    { name: 'honest-2x1', instances: 2, workers: 1 },
    { name: 'honest-2x2', instances: 2, workers: 2 },
  ] as const;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    const { sagemaker, s3 } = clients(emulator.url);
    const modelUri = await uploadLinearModel(s3, 'honest', 'linear/model.tar.gz', [2, 3], 1);
    await Promise.all(
      layouts.map(({ name, instances, workers }) =>
        deployModel(
          sagemaker,
          name,
          {
            ExecutionRoleArn: 'arn:aws:iam::123456789012:role/test',
            PrimaryContainer: {
              Image: LINEAR_IMAGE,
              ModelDataUrl: modelUri,
              Environment: {
                SMWF_EXAMPLE_SERVICE_MS: String(SERVICE_MS),
                SAGEMAKER_MODEL_SERVER_WORKERS: String(workers),
              },
            },
          },
          { InitialInstanceCount: instances, RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' } },
        ),
      ),
    );
    // One endpoint at a time, so that no measurement shares the machine with another.
    for (const { name, instances, workers } of layouts) {
      sustained.set(
        name,
        await closedLoop(emulator.url, name, { users: 8 * instances * workers, seconds: WINDOW_SECONDS }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  const rate = (name: string) => throughput(sustained.get(name) as ClosedLoopResult);

  it('sustains 1/S with one worker on one instance, within 20%', () => {
    const result = sustained.get('honest-1x1') as ClosedLoopResult;

    expect(result.failed).toBe(0);
    expect(rate('honest-1x1')).toBeGreaterThanOrEqual(0.8 * (1000 / SERVICE_MS));
    expect(rate('honest-1x1')).toBeLessThanOrEqual(1.2 * (1000 / SERVICE_MS));
  });

  it('never answers faster than the service time at low load', async () => {
    const lowLoad = await closedLoop(emulator.url, 'honest-1x1', { users: 1, seconds: 1.5, warmUpSeconds: 0.2 });

    expect(lowLoad.completed).toBeGreaterThanOrEqual(20);
    expect(percentileOf(lowLoad.latenciesMs, 50)).toBeGreaterThanOrEqual(SERVICE_MS);
    expect(Math.min(...lowLoad.latenciesMs)).toBeGreaterThanOrEqual(SERVICE_MS - 1);
  });

  it('sustains about twice as much with two instances', () => {
    expect(sustained.get('honest-2x1')?.failed).toBe(0);
    expect(rate('honest-2x1')).toBeGreaterThanOrEqual(0.8 * (2000 / SERVICE_MS));
    expect(rate('honest-2x1')).toBeLessThanOrEqual(1.2 * (2000 / SERVICE_MS));
    expect(rate('honest-2x1') / rate('honest-1x1')).toBeGreaterThanOrEqual(1.6);
    expect(rate('honest-2x1') / rate('honest-1x1')).toBeLessThanOrEqual(2.4);
  });

  it('sustains about twice as much again with two workers per instance', () => {
    expect(sustained.get('honest-2x2')?.failed).toBe(0);
    expect(rate('honest-2x2')).toBeGreaterThanOrEqual(0.8 * (4000 / SERVICE_MS));
    expect(rate('honest-2x2')).toBeLessThanOrEqual(1.2 * (4000 / SERVICE_MS));
    expect(rate('honest-2x2') / rate('honest-2x1')).toBeGreaterThanOrEqual(1.6);
    expect(rate('honest-2x2') / rate('honest-2x1')).toBeLessThanOrEqual(2.4);
  });
});
