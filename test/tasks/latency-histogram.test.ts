/**
 * The mergeable latency histogram: merging is exact (a property test over random latencies, split at random among
 * random numbers of workers), percentiles stay within 1% of the exact ones, and the serialized form is compact and
 * read back unchanged.
 */
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../tasks/_shared/latency-histogram.ts';

/** A small seeded generator (mulberry32), so that a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latencies in µs of a few shapes a model shows: log-normal around a median, bimodal, and anything up to a minute. */
function latencies(next: () => number, count: number): number[] {
  const shape = Math.floor(next() * 3);
  const median = 200 + next() * 50_000;
  return Array.from({ length: count }, () => {
    if (shape === 2) return Math.floor(next() * 60_000_000);
    const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const value = median * Math.exp(0.6 * gaussian);
    return shape === 1 && next() < 0.1 ? value * 20 : value;
  });
}

const PERCENTILES = [0, 1, 10, 50, 90, 95, 99, 99.9, 100];

/** The exact nearest-rank percentile of `values`. */
function exactPercentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

describe('LatencyHistogram', () => {
  it('gives merged histograms the same percentiles, count, min, max and mean as one histogram of all samples', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const samples = latencies(next, 1 + Math.floor(next() * 3000));
      const workers = Array.from({ length: 1 + Math.floor(next() * 40) }, () => new LatencyHistogram());
      const whole = new LatencyHistogram();
      for (const sample of samples) {
        whole.record(sample);
        workers[Math.floor(next() * workers.length)]?.record(sample);
      }

      // Half the workers are merged as histograms, half added from their serialized form, as a step merges them.
      const merged = workers.reduce(
        (acc, worker, i) => (i % 2 === 0 ? acc.add(JSON.parse(JSON.stringify(worker))) : acc.merge(worker)),
        new LatencyHistogram(),
      );

      const summary = (h: LatencyHistogram) => [
        h.count,
        h.min,
        h.max,
        h.mean,
        ...PERCENTILES.map((p) => h.percentile(p)),
      ];
      expect(summary(merged), `seed ${seed}`).toEqual(summary(whole));
    }
  });

  it('reports every percentile within 1% of the exact value, and min and max exactly', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const next = random(seed);
      const samples = latencies(next, 5000).map((v) => Math.round(v));
      const histogram = new LatencyHistogram();
      for (const sample of samples) histogram.record(sample);
      const sorted = [...samples].sort((a, b) => a - b);

      for (const p of PERCENTILES) {
        const exact = exactPercentile(sorted, p);
        expect(Math.abs(histogram.percentile(p) - exact), `seed ${seed} p${p}`).toBeLessThanOrEqual(exact * 0.01);
      }
      expect(histogram.min).toBe(sorted[0]);
      expect(histogram.max).toBe(sorted.at(-1));
    }
  });

  it('serializes a worker of 100,000 latencies in a few kilobytes and reads it back unchanged', () => {
    const next = random(7);
    const histogram = new LatencyHistogram();
    for (const sample of latencies(next, 100_000)) histogram.record(sample);

    const json = JSON.stringify(histogram);
    const back = LatencyHistogram.from(JSON.parse(json));

    expect(json.length).toBeLessThan(8 * 1024);
    expect(back.count).toBe(100_000);
    expect(PERCENTILES.map((p) => back.percentile(p))).toEqual(PERCENTILES.map((p) => histogram.percentile(p)));
    expect(JSON.stringify(back)).toBe(json);
  });

  it('has no percentiles when nothing was recorded, and merges an empty histogram as nothing', () => {
    const empty = new LatencyHistogram();
    const one = new LatencyHistogram();
    one.record(1500);

    expect(empty.percentile(50)).toBeNaN();
    expect(LatencyHistogram.from(empty.toJSON()).count).toBe(0);
    expect(one.merge(empty).merge(LatencyHistogram.from(empty.toJSON())).percentile(50)).toBe(1500);
  });

  it('counts a latency beyond about 71 minutes as the largest it tracks', () => {
    const histogram = new LatencyHistogram();
    histogram.record(10 * 3600 * 1e6);

    expect(histogram.max).toBe(2 ** 32 - 1);
  });

  it('refuses a serialized histogram whose buckets do not add up to its count, or of another layout', () => {
    const histogram = new LatencyHistogram();
    histogram.record(1000);
    const json = histogram.toJSON();

    expect(() => LatencyHistogram.from({ ...json, count: 2 })).toThrow(
      "a histogram's buckets hold 1 latencies but its count says 2",
    );
    expect(() => LatencyHistogram.from({ ...json, subBucketBits: 8 })).toThrow('expected microseconds and 7');
  });
});
