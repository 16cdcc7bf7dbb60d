/**
 * The emulator's CloudWatch metric data: what its endpoints actually served and what their container processes used,
 * kept per second in memory for GetMetricData. Every observation is one datapoint value (as SageMaker publishes them:
 * 1 per invocation for Invocations, 0 or 1 for the error counts, the latency of each invocation, one utilization value
 * per instance per sample), so every statistic, percentiles included, is computed exactly from the recorded values.
 */

/** The metrics the emulator publishes, by namespace, with their CloudWatch units. */
export const EMULATED_METRICS = {
  'AWS/SageMaker': {
    Invocations: 'None',
    InvocationsPerInstance: 'None',
    Invocation4XXErrors: 'None',
    Invocation5XXErrors: 'None',
    ModelLatency: 'Microseconds',
    OverheadLatency: 'Microseconds',
  },
  '/aws/sagemaker/Endpoints': {
    CPUUtilization: 'Percent',
    MemoryUtilization: 'Percent',
  },
} as const satisfies Record<string, Record<string, string>>;

type EmulatedNamespace = keyof typeof EMULATED_METRICS;

/** How long recorded seconds are kept: CloudWatch keeps data of periods under a minute for three hours. */
export const RETENTION_SECONDS = 3 * 60 * 60;

/** Values of one metric in one second. Whole-number metrics keep counts per value; the others keep every value. */
export class SecondValues {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Every value, for metrics of arbitrary values (latencies, utilization). */
  private values: Float64Array | undefined;
  /** Occurrences per value, for metrics of a few distinct values (counts). */
  private counts: Map<number, number> | undefined;

  constructor(discrete: boolean) {
    if (discrete) this.counts = new Map();
    else this.values = new Float64Array(8);
  }

  add(value: number): void {
    if (this.counts) this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    else {
      let values = this.values as Float64Array;
      if (this.count === values.length) {
        const grown = new Float64Array(values.length * 2);
        grown.set(values);
        values = grown;
        this.values = grown;
      }
      values[this.count] = value;
    }
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Appends this second's values to `into` as [value, occurrences] pairs. */
  collect(into: [number, number][]): void {
    if (this.counts) for (const entry of this.counts) into.push(entry);
    else {
      const values = this.values as Float64Array;
      for (let i = 0; i < this.count; i++) into.push([values[i] as number, 1]);
    }
  }
}

/** One time series: a metric with its dimensions, by epoch second. */
export class Series {
  private readonly seconds = new Map<number, SecondValues>();
  private lastSecond = -1;
  private last: SecondValues | undefined;

  constructor(
    readonly unit: string,
    private readonly discrete: boolean,
  ) {}

  /** Records one value at `second` (epoch seconds). */
  add(second: number, value: number): void {
    let bucket = second === this.lastSecond ? this.last : this.seconds.get(second);
    if (!bucket) {
      bucket = new SecondValues(this.discrete);
      this.seconds.set(second, bucket);
    }
    this.lastSecond = second;
    this.last = bucket;
    bucket.add(value);
  }

  /** The recorded seconds in [from, to), oldest first. */
  range(from: number, to: number): SecondValues[] {
    const out: SecondValues[] = [];
    // Scanning the (at most three hours of) recorded seconds beats probing every second of a long range.
    if (to - from > this.seconds.size) {
      const keys = [...this.seconds.keys()].filter((s) => s >= from && s < to).sort((a, b) => a - b);
      for (const key of keys) out.push(this.seconds.get(key) as SecondValues);
      return out;
    }
    for (let s = from; s < to; s++) {
      const bucket = this.seconds.get(s);
      if (bucket) out.push(bucket);
    }
    return out;
  }

  /** Forgets seconds before `oldest`. */
  evict(oldest: number): void {
    for (const second of this.seconds.keys()) if (second < oldest) this.seconds.delete(second);
    if (this.lastSecond < oldest) {
      this.lastSecond = -1;
      this.last = undefined;
    }
  }

  get empty(): boolean {
    return this.seconds.size === 0;
  }
}

/** The dimensions of every series the emulator publishes (SageMaker's endpoint metrics). */
export interface EndpointDimensions {
  region: string;
  endpointName: string;
  variantName: string;
}

const DISCRETE = new Set(['Invocations', 'InvocationsPerInstance', 'Invocation4XXErrors', 'Invocation5XXErrors']);

function seriesKey(namespace: string, metric: string, d: EndpointDimensions): string {
  return `${d.region}\u0000${namespace}\u0000${metric}\u0000${d.endpointName}\u0000${d.variantName}`;
}

/** How one invocation ended, as SageMaker's metrics count it. */
interface InvocationOutcome {
  /** Epoch milliseconds when the request arrived. */
  atMs: number;
  /** Instances of the variant that served it (InvocationsPerInstance adds 1/instances). */
  instances: number;
  /** The model's answer status, 0 when no container answered (unreachable, timed out). */
  modelStatus: number;
  /** Microseconds from sending the request to the container to its whole answer; undefined when none answered. */
  modelLatencyUs: number | undefined;
  /** Microseconds the emulator added: the whole request, from arrival to the answer, less the model latency. */
  overheadLatencyUs: number;
}

/** The series one invocation adds to. */
type InvocationBundle = Record<
  'invocations' | 'perInstance' | 'errors4xx' | 'errors5xx' | 'modelLatency' | 'overheadLatency',
  Series
>;

/** Every series, by region, namespace, metric name, EndpointName and VariantName. */
export class MetricStore {
  private readonly series = new Map<string, Series>();
  private readonly bundles = new Map<string, InvocationBundle>();
  /** The same bundles, by the (frozen) dimensions object a caller passes each time. */
  private bundlesByDimensions = new WeakMap<EndpointDimensions, InvocationBundle>();
  private evictedAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The series of a metric, created on first use. */
  private seriesFor(namespace: EmulatedNamespace, metric: string, d: EndpointDimensions): Series {
    const key = seriesKey(namespace, metric, d);
    let series = this.series.get(key);
    if (!series) {
      const units = EMULATED_METRICS[namespace] as Record<string, string>;
      series = new Series(units[metric] ?? 'None', DISCRETE.has(metric));
      this.series.set(key, series);
    }
    return series;
  }

  /** The series GetMetricData reads, or undefined when nothing was ever recorded for it. */
  find(namespace: string, metric: string, d: EndpointDimensions): Series | undefined {
    return this.series.get(seriesKey(namespace, metric, d));
  }

  /**
   * Records an InvokeEndpoint that reached a variant: Invocations 1, InvocationsPerInstance 1/instances,
   * Invocation4XXErrors and Invocation5XXErrors 0 or 1 by the model's status (no answer counts as a 5XX),
   * ModelLatency when a container answered, OverheadLatency.
   */
  recordInvocation(d: EndpointDimensions, outcome: InvocationOutcome): void {
    const second = Math.floor(outcome.atMs / 1000);
    const status = outcome.modelStatus;
    const s = this.invocationSeries(d);
    s.invocations.add(second, 1);
    s.perInstance.add(second, 1 / Math.max(1, outcome.instances));
    s.errors4xx.add(second, status >= 400 && status < 500 ? 1 : 0);
    s.errors5xx.add(second, status === 0 || status >= 500 ? 1 : 0);
    if (outcome.modelLatencyUs !== undefined) s.modelLatency.add(second, outcome.modelLatencyUs);
    s.overheadLatency.add(second, outcome.overheadLatencyUs);
    this.evictOld();
  }

  /**
   * The invocation series of a variant, looked up once per invocation rather than once per metric, and by the
   * dimensions object itself when a caller passes the same one again (the runtime does, per variant).
   */
  private invocationSeries(d: EndpointDimensions) {
    const known = this.bundlesByDimensions.get(d);
    if (known) return known;
    const key = `${d.region}\u0000${d.endpointName}\u0000${d.variantName}`;
    let bundle = this.bundles.get(key);
    if (!bundle) {
      const ns = 'AWS/SageMaker';
      bundle = {
        invocations: this.seriesFor(ns, 'Invocations', d),
        perInstance: this.seriesFor(ns, 'InvocationsPerInstance', d),
        errors4xx: this.seriesFor(ns, 'Invocation4XXErrors', d),
        errors5xx: this.seriesFor(ns, 'Invocation5XXErrors', d),
        modelLatency: this.seriesFor(ns, 'ModelLatency', d),
        overheadLatency: this.seriesFor(ns, 'OverheadLatency', d),
      };
      this.bundles.set(key, bundle);
    }
    // Frozen: a dimensions object changed after this would otherwise find another variant's series.
    if (Object.isFrozen(d)) this.bundlesByDimensions.set(d, bundle);
    return bundle;
  }

  /** Records one instance's CPU and memory utilization (percent) at `atMs`. */
  recordUtilization(d: EndpointDimensions, atMs: number, cpuPercent: number, memoryPercent: number): void {
    const second = Math.floor(atMs / 1000);
    this.seriesFor('/aws/sagemaker/Endpoints', 'CPUUtilization', d).add(second, cpuPercent);
    this.seriesFor('/aws/sagemaker/Endpoints', 'MemoryUtilization', d).add(second, memoryPercent);
    this.evictOld();
  }

  /** Once a minute, forgets what is older than the retention. */
  private evictOld(): void {
    const now = this.now();
    if (now - this.evictedAt < 60_000) return;
    this.evictedAt = now;
    const oldest = Math.floor(now / 1000) - RETENTION_SECONDS;
    // Bundles may hold series about to be forgotten: they are looked up again on next use.
    this.bundles.clear();
    this.bundlesByDimensions = new WeakMap();
    for (const [key, series] of this.series) {
      series.evict(oldest);
      if (series.empty) this.series.delete(key);
    }
  }
}
