/**
 * A mergeable latency histogram: log-linear buckets over whole microseconds, in the manner HdrHistogram made
 * common. Values below 256 µs each have a bucket of their own; above that every power of two is cut into 128
 * equal buckets, so a bucket is at most 1/128 of its lower bound wide and the value a percentile reports (its
 * bucket's midpoint) is within 1/256 (0.4%) of every value the bucket holds. Merging adds counts bucket by
 * bucket, so it is exact: percentiles of merged histograms are those of one histogram of all the samples.
 * Percentiles are therefore only ever computed from a (merged) histogram, never averaged across workers.
 */
import type { SerializedLatencyHistogram } from '../../contracts/parts/load-test.ts';

/** log2 of the buckets per power of two (HdrHistogram's sub-bucket count halved). */
const SUB_BUCKET_BITS = 7;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS; // 128
/** Values below this have a bucket each. */
const LINEAR_LIMIT = SUB_BUCKETS * 2; // 256
/** The largest value tracked, in µs (about 71.6 minutes); larger values count as this one. */
const MAX_TRACKED_MICROS = 2 ** 32 - 1;
/** Buckets: 256 exact values, then 128 for each power of two from 2^8 to 2^31. */
const BUCKETS = LINEAR_LIMIT + (32 - 8) * SUB_BUCKETS;

/** The bucket of a whole, non-negative number of microseconds at most MAX_TRACKED_MICROS. */
function bucketOf(micros: number): number {
  if (micros < LINEAR_LIMIT) return micros;
  const power = 31 - Math.clz32(micros); // floor(log2): 8..31
  return LINEAR_LIMIT + (power - 8) * SUB_BUCKETS + ((micros >>> (power - SUB_BUCKET_BITS)) - SUB_BUCKETS);
}

/** The lowest value of a bucket and its width. */
function boundsOf(bucket: number): { low: number; width: number } {
  if (bucket < LINEAR_LIMIT) return { low: bucket, width: 1 };
  const above = bucket - LINEAR_LIMIT;
  const power = 8 + Math.floor(above / SUB_BUCKETS);
  const width = 2 ** (power - SUB_BUCKET_BITS);
  return { low: (SUB_BUCKETS + (above % SUB_BUCKETS)) * width, width };
}

/** Latencies recorded in microseconds, merged exactly, read as percentiles. */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private minimum = Number.POSITIVE_INFINITY;
  private maximum = 0;
  private sum = 0;

  /** Records one latency, in microseconds (rounded to a whole one; negative counts as 0). */
  record(micros: number): void {
    const value = Math.min(MAX_TRACKED_MICROS, Math.max(0, Math.round(micros)));
    const bucket = bucketOf(value);
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.total += 1;
    this.sum += value;
    if (value < this.minimum) this.minimum = value;
    if (value > this.maximum) this.maximum = value;
  }

  /** Adds every sample of `other` to this histogram. */
  merge(other: LatencyHistogram): this {
    if (other.total === 0) return this;
    for (let i = 0; i < BUCKETS; i++) {
      const n = other.counts[i] as number;
      if (n !== 0) this.counts[i] = (this.counts[i] as number) + n;
    }
    this.total += other.total;
    this.sum += other.sum;
    this.minimum = Math.min(this.minimum, other.minimum);
    this.maximum = Math.max(this.maximum, other.maximum);
    return this;
  }

  /** How many latencies were recorded. */
  get count(): number {
    return this.total;
  }

  /** The smallest recorded latency in µs (exact), or NaN when there is none. */
  get min(): number {
    return this.total === 0 ? Number.NaN : this.minimum;
  }

  /** The largest recorded latency in µs (exact), or NaN when there is none. */
  get max(): number {
    return this.total === 0 ? Number.NaN : this.maximum;
  }

  /** The mean latency in µs (exact), or NaN when there is none. */
  get mean(): number {
    return this.total === 0 ? Number.NaN : this.sum / this.total;
  }

  /**
   * The `p`-th percentile (0-100) in µs by nearest rank: the midpoint of the bucket holding the ceil(p% × count)-th
   * smallest latency, kept within the exact min and max. NaN when nothing was recorded.
   */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside 0-100`);
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) {
        const { low, width } = boundsOf(i);
        return Math.min(this.maximum, Math.max(this.minimum, low + (width - 1) / 2));
      }
    }
    return this.maximum;
  }

  /**
   * The compact form a worker hands on: non-empty buckets only, run-length coded (a positive number is the count
   * of the next bucket, a negative one skips that many empty buckets), trailing empty buckets left out.
   */
  toJSON(): SerializedLatencyHistogram {
    const buckets: number[] = [];
    let empty = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const n = this.counts[i] as number;
      if (n === 0) {
        empty += 1;
        continue;
      }
      if (empty > 0) buckets.push(-empty);
      empty = 0;
      buckets.push(n);
    }
    return {
      unit: 'microseconds',
      subBucketBits: SUB_BUCKET_BITS,
      count: this.total,
      min: this.total === 0 ? 0 : this.minimum,
      max: this.maximum,
      sum: this.sum,
      buckets,
    };
  }

  /**
   * Adds every sample of a serialized histogram, straight from its run-length form (what merging a step's workers
   * does); refuses one of another layout, or one whose counts do not add up, and then adds nothing.
   */
  add(serialized: SerializedLatencyHistogram): this {
    if (serialized.unit !== 'microseconds' || serialized.subBucketBits !== SUB_BUCKET_BITS) {
      throw new Error(
        `a latency histogram in ${serialized.unit} with ${serialized.subBucketBits} sub-bucket bits cannot be read: expected microseconds and ${SUB_BUCKET_BITS}`,
      );
    }
    const added: [number, number][] = [];
    let bucket = 0;
    let total = 0;
    for (const entry of serialized.buckets) {
      if (!Number.isInteger(entry) || entry === 0) throw new Error(`a histogram bucket entry ${entry} is not valid`);
      if (entry < 0) {
        bucket -= entry;
        continue;
      }
      if (bucket >= BUCKETS) throw new Error(`a histogram has more than ${BUCKETS} buckets`);
      added.push([bucket, entry]);
      total += entry;
      bucket += 1;
    }
    if (total !== serialized.count) {
      throw new Error(`a histogram's buckets hold ${total} latencies but its count says ${serialized.count}`);
    }
    if (total === 0) return this;
    for (const [at, n] of added) this.counts[at] = (this.counts[at] as number) + n;
    this.total += total;
    this.sum += serialized.sum;
    this.minimum = Math.min(this.minimum, serialized.min);
    this.maximum = Math.max(this.maximum, serialized.max);
    return this;
  }

  /** A histogram from its serialized form (see `add`). */
  static from(serialized: SerializedLatencyHistogram): LatencyHistogram {
    return new LatencyHistogram().add(serialized);
  }
}
