/**
 * An endpoint's CloudWatch figures, read with GetMetricData: AWS/SageMaker's Invocations, Invocation4XXErrors,
 * Invocation5XXErrors, ModelLatency and OverheadLatency (microseconds), and /aws/sagemaker/Endpoints'
 * CPUUtilization and MemoryUtilization (percent), each by EndpointName and VariantName (DG
 * monitoring-cloudwatch). One call (paged) covers a whole test; each step's figures are then taken from the
 * periods that lie inside the step.
 */
import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { VariantMetrics } from '../../contracts/parts/load-test.ts';

/** A metric and the statistic read of it, by the short name queries and results use. */
const QUERIES = {
  invocations: { namespace: 'AWS/SageMaker', metric: 'Invocations', stat: 'Sum' },
  errors4xx: { namespace: 'AWS/SageMaker', metric: 'Invocation4XXErrors', stat: 'Sum' },
  errors5xx: { namespace: 'AWS/SageMaker', metric: 'Invocation5XXErrors', stat: 'Sum' },
  modelLatencySum: { namespace: 'AWS/SageMaker', metric: 'ModelLatency', stat: 'Sum' },
  modelLatencyCount: { namespace: 'AWS/SageMaker', metric: 'ModelLatency', stat: 'SampleCount' },
  modelLatencyMax: { namespace: 'AWS/SageMaker', metric: 'ModelLatency', stat: 'Maximum' },
  overheadLatencySum: { namespace: 'AWS/SageMaker', metric: 'OverheadLatency', stat: 'Sum' },
  overheadLatencyCount: { namespace: 'AWS/SageMaker', metric: 'OverheadLatency', stat: 'SampleCount' },
  overheadLatencyMax: { namespace: 'AWS/SageMaker', metric: 'OverheadLatency', stat: 'Maximum' },
  cpuAverage: { namespace: '/aws/sagemaker/Endpoints', metric: 'CPUUtilization', stat: 'Average' },
  cpuMax: { namespace: '/aws/sagemaker/Endpoints', metric: 'CPUUtilization', stat: 'Maximum' },
  memoryAverage: { namespace: '/aws/sagemaker/Endpoints', metric: 'MemoryUtilization', stat: 'Average' },
  memoryMax: { namespace: '/aws/sagemaker/Endpoints', metric: 'MemoryUtilization', stat: 'Maximum' },
} as const;

type QueryName = keyof typeof QUERIES;

/** Datapoints of one metric: period start (epoch ms) to value. */
export type Series = ReadonlyMap<number, number>;

/** Every series read for one variant. */
export type VariantSeries = Readonly<Record<QueryName, Series>>;

/** What to read: an endpoint's variants over a time range, at a period. */
export interface MetricsQuery {
  endpointName: string;
  variantNames: readonly string[];
  start: Date;
  end: Date;
  periodSeconds: number;
  /** Only these series. @default every one */
  only?: readonly QueryName[];
}

function metricQueries(query: MetricsQuery): MetricDataQuery[] {
  const names = query.only ?? (Object.keys(QUERIES) as QueryName[]);
  return query.variantNames.flatMap((variantName, v) =>
    names.map((name) => {
      const { namespace, metric, stat } = QUERIES[name];
      return {
        Id: `v${v}_${name}`,
        MetricStat: {
          Metric: {
            Namespace: namespace,
            MetricName: metric,
            Dimensions: [
              { Name: 'EndpointName', Value: query.endpointName },
              { Name: 'VariantName', Value: variantName },
            ],
          },
          Period: query.periodSeconds,
          Stat: stat,
        },
        ReturnData: true,
      };
    }),
  );
}

/** GetMetricData takes at most 500 queries a call. */
const QUERIES_PER_CALL = 500;

/** Reads the series of `query`, by variant; a period without data has no entry. */
export async function readEndpointMetrics(
  client: CloudWatchClient,
  query: MetricsQuery,
): Promise<Map<string, VariantSeries>> {
  const queries = metricQueries(query);
  const found = new Map<string, Map<number, number>>();
  for (let first = 0; first < queries.length; first += QUERIES_PER_CALL) {
    let token: string | undefined;
    do {
      const out = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries.slice(first, first + QUERIES_PER_CALL),
          StartTime: query.start,
          EndTime: query.end,
          ScanBy: 'TimestampAscending',
          ...(token !== undefined ? { NextToken: token } : {}),
        }),
      );
      for (const result of out.MetricDataResults ?? []) {
        const series = found.get(result.Id ?? '') ?? new Map<number, number>();
        const timestamps = result.Timestamps ?? [];
        for (const [i, at] of timestamps.entries()) {
          const value = result.Values?.[i];
          if (value !== undefined) series.set(at.getTime(), value);
        }
        found.set(result.Id ?? '', series);
      }
      token = out.NextToken;
    } while (token);
  }
  const byVariant = new Map<string, VariantSeries>();
  for (const [v, variantName] of query.variantNames.entries()) {
    const series = {} as Record<QueryName, Series>;
    for (const name of Object.keys(QUERIES) as QueryName[]) series[name] = found.get(`v${v}_${name}`) ?? new Map();
    byVariant.set(variantName, series);
  }
  return byVariant;
}

/**
 * The period starts of `series` that count for the window [start, end): those of periods wholly inside it, or
 * when the window holds no whole period, those of periods that overlap it.
 */
function periodsIn(start: number, end: number, periodSeconds: number): (at: number) => boolean {
  const period = periodSeconds * 1000;
  const whole = Math.floor(end / period) * period - Math.ceil(start / period) * period >= period;
  return whole ? (at) => at >= start && at + period <= end : (at) => at + period > start && at < end;
}

/** The share of the window [start, end) that the periods counted for it cover (1 when they overlap it all). */
export function coveredShare(start: number, end: number, periodSeconds: number): number {
  const period = periodSeconds * 1000;
  const whole = Math.floor(end / period) - Math.ceil(start / period);
  return whole >= 1 ? Math.min(1, (whole * period) / (end - start)) : 1;
}

function pick(series: Series, counts: (at: number) => boolean): number[] {
  return [...series].filter(([at]) => counts(at)).map(([, value]) => value);
}

const total = (values: readonly number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0));
const largest = (values: readonly number[]) => (values.length === 0 ? null : Math.max(...values));
const mean = (values: readonly number[]) => (values.length === 0 ? null : (total(values) as number) / values.length);
const microsToMs = (value: number | null) => (value === null ? null : value / 1000);

/** One variant's figures over the window [start, end) (epoch ms). */
export function variantMetrics(
  variantName: string,
  series: VariantSeries,
  start: number,
  end: number,
  periodSeconds: number,
): VariantMetrics {
  const counts = periodsIn(start, end, periodSeconds);
  const values = (name: QueryName) => pick(series[name], counts);
  const averageOf = (sum: QueryName, count: QueryName) => {
    const n = total(values(count));
    return n === null || n === 0 ? null : (total(values(sum)) as number) / n;
  };
  return {
    variantName,
    invocations: total(values('invocations')),
    invocation4xxErrors: total(values('errors4xx')),
    invocation5xxErrors: total(values('errors5xx')),
    modelLatencyMs: {
      average: microsToMs(averageOf('modelLatencySum', 'modelLatencyCount')),
      maximum: microsToMs(largest(values('modelLatencyMax'))),
    },
    overheadLatencyMs: {
      average: microsToMs(averageOf('overheadLatencySum', 'overheadLatencyCount')),
      maximum: microsToMs(largest(values('overheadLatencyMax'))),
    },
    cpuUtilization: { average: mean(values('cpuAverage')), maximum: largest(values('cpuMax')) },
    memoryUtilization: { average: mean(values('memoryAverage')), maximum: largest(values('memoryMax')) },
  };
}

/** The invocations each variant served in the `minutes` before `now` (CloudWatch Invocations, 1-minute periods). */
export async function recentInvocations(
  client: CloudWatchClient,
  endpointName: string,
  variantNames: readonly string[],
  minutes: number,
  now: Date,
): Promise<number> {
  const series = await readEndpointMetrics(client, {
    endpointName,
    variantNames,
    start: new Date(now.getTime() - minutes * 60_000),
    end: now,
    periodSeconds: 60,
    only: ['invocations'],
  });
  let sum = 0;
  for (const variant of series.values()) for (const value of variant.invocations.values()) sum += value;
  return sum;
}
