/**
 * CloudWatch GetMetricData for the metrics of the emulator's endpoints (local/emulator/README.md, "CloudWatch
 * metrics"). The wire protocol is the one `@aws-sdk/client-cloudwatch` speaks: awsJson1.0 with the awsQuery
 * compatibility of a service that used to speak awsQuery (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`,
 * `x-amzn-query-mode: true`; errors carry `x-amzn-query-error: <query code>;Sender`).
 *
 * Semantics follow the GetMetricData API reference: StartTime inclusive and rounded down, EndTime exclusive, one
 * datapoint per period that holds data, timestamped at the period's start, ScanBy, MaxDatapoints and NextToken
 * paging. What is not emulated (metric math, Metrics Insights, other namespaces and metrics, dimension sets the
 * emulator does not publish, statistics other than SampleCount, Sum, Average, Minimum, Maximum and pNN) is refused.
 */
import { createHash } from 'node:crypto';
import { notEmulated, ServiceError } from '../errors.ts';
import { ACCOUNT_ID } from '../events.ts';
import type { ApiModel } from '../shapes.ts';
import { EMULATED_METRICS, type MetricStore, RETENTION_SECONDS, type SecondValues } from './metric-store.ts';

/** The X-Amz-Target prefix of CloudWatch's awsJson1.0 protocol. */
export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801';

/**
 * The members of GetMetricData's output that are not JSON's own types (CloudWatch API reference, MetricDataResult:
 * `Timestamps`), for an in-process double that hands the answer out as the SDK would deserialize it.
 */
export const GET_METRIC_DATA_OUTPUT_MODEL: ApiModel = {
  metadata: { protocol: 'json', targetPrefix: CLOUDWATCH_TARGET_PREFIX },
  operations: {},
  shapes: {
    GetMetricDataOutput: { type: 'structure', members: { MetricDataResults: { shape: 'MetricDataResults' } } },
    MetricDataResults: { type: 'list', member: { shape: 'MetricDataResult' } },
    MetricDataResult: { type: 'structure', members: { Timestamps: { shape: 'Timestamps' } } },
    Timestamps: { type: 'list', member: { shape: 'Timestamp' } },
    Timestamp: { type: 'timestamp' },
  },
};

/** CloudWatch's error shapes and their awsQuery codes (from the service's API model, as the SDK carries it). */
const QUERY_CODES: Record<string, string> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  MissingRequiredParameterException: 'MissingParameter',
  InvalidNextToken: 'InvalidNextToken',
  InternalServiceFault: 'InternalServiceError',
};

/** A CloudWatch error in the awsQuery-compatible JSON shape. */
function cloudWatchError(code: keyof typeof QUERY_CODES | string, message: string, status = 400): ServiceError {
  const queryCode = QUERY_CODES[code];
  return new ServiceError(
    code,
    message,
    status,
    {},
    queryCode ? { 'x-amzn-query-error': `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}` } : {},
  );
}

const invalid = (message: string) => cloudWatchError('InvalidParameterValueException', message);
/** What GetMetricData does not emulate, refused as the emulator refuses everything it does not do. */
const refuse = (what: string) => notEmulated(`${what} is`);

/** Most queries in one request (GetMetricData API reference). */
const MAX_QUERIES = 500;
/** MaxDatapoints when the request sets none (API reference). */
const DEFAULT_MAX_DATAPOINTS = 100_800;
/** Periods under a minute CloudWatch takes (for high-resolution metrics): the emulator records every second. */
const SUB_MINUTE_PERIODS = new Set([1, 5, 10, 20, 30]);
const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const PERCENTILE = /^p(\d{1,2}(?:\.\d{1,10})?|100(?:\.0{1,10})?)$/;
const UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

type Input = Record<string, unknown>;

interface Query {
  id: string;
  label: string;
  returnData: boolean;
  namespace: string;
  metricName: string;
  endpointName: string;
  variantName: string;
  period: number;
  stat: string;
  unit: string | undefined;
}

interface ResultSeries {
  query: Query;
  timestamps: number[];
  values: number[];
}

function timestampSeconds(value: unknown, member: string): number {
  if (value === undefined || value === null) {
    throw cloudWatchError('MissingRequiredParameterException', `The parameter ${member} is required.`);
  }
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) / 1000 : Number.NaN;
  if (!Number.isFinite(seconds)) throw invalid(`The parameter ${member} must be a timestamp.`);
  return seconds;
}

/** The value of statistic `stat` over the recorded seconds of one period. */
function statistic(stat: string, seconds: readonly SecondValues[]): number {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of seconds) {
    count += s.count;
    sum += s.sum;
    if (s.min < min) min = s.min;
    if (s.max > max) max = s.max;
  }
  switch (stat) {
    case 'SampleCount':
      return count;
    case 'Sum':
      return sum;
    case 'Average':
      return sum / count;
    case 'Minimum':
      return min;
    case 'Maximum':
      return max;
  }
  // pNN: the nearest-rank percentile of every recorded value (CloudWatch does not document its interpolation).
  const p = Number(stat.slice(1));
  const pairs: [number, number][] = [];
  for (const s of seconds) s.collect(pairs);
  pairs.sort((a, b) => a[0] - b[0]);
  const rank = Math.max(1, Math.ceil((p / 100) * count));
  let seen = 0;
  for (const [value, occurrences] of pairs) {
    seen += occurrences;
    if (seen >= rank) return value;
  }
  return max;
}

/** GetMetricData (and nothing else) of CloudWatch, over the emulator's recorded endpoint metrics. */
export class CloudWatchApi {
  constructor(
    private readonly store: MetricStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Handles one operation; anything but GetMetricData is not emulated. */
  call(operation: string, region: string, input: Input): unknown {
    if (operation !== 'GetMetricData') {
      throw refuse(`CloudWatch operation ${operation} (only GetMetricData is emulated)`);
    }
    return this.getMetricData(region, input);
  }

  private getMetricData(region: string, input: Input): unknown {
    const rawQueries = input.MetricDataQueries;
    if (!Array.isArray(rawQueries) || rawQueries.length === 0) {
      throw cloudWatchError('MissingRequiredParameterException', 'The parameter MetricDataQueries is required.');
    }
    if (rawQueries.length > MAX_QUERIES) {
      throw invalid(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
    }
    const start = timestampSeconds(input.StartTime, 'StartTime');
    const end = timestampSeconds(input.EndTime, 'EndTime');
    if (start >= end) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const scanBy = input.ScanBy ?? 'TimestampDescending';
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
      throw invalid(
        `The value ${String(scanBy)} for parameter ScanBy is not valid: TimestampDescending or TimestampAscending.`,
      );
    }
    const maxDatapoints = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
    if (typeof maxDatapoints !== 'number' || !Number.isInteger(maxDatapoints) || maxDatapoints < 1) {
      throw invalid('The parameter MaxDatapoints must be a whole number greater than 0.');
    }
    const labelOptions = input.LabelOptions as Input | undefined;
    if (labelOptions?.Timezone !== undefined && labelOptions.Timezone !== '+0000') {
      throw refuse('LabelOptions.Timezone (time zones of dynamic labels)');
    }
    const queries = rawQueries.map((q, i) => this.parseQuery(q as Input, i + 1));
    const ids = new Set<string>();
    for (const q of queries) {
      if (ids.has(q.id)) throw invalid(`The value ${q.id} for field Id in MetricDataQueries is not unique.`);
      ids.add(q.id);
    }
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([region, input.MetricDataQueries, input.StartTime, input.EndTime, scanBy]))
      .digest('base64url')
      .slice(0, 16);
    let offset = 0;
    if (input.NextToken !== undefined) {
      const token = String(input.NextToken);
      const [tokenFingerprint, tokenOffset] = token.split('.');
      offset = Number(tokenOffset);
      if (tokenFingerprint !== fingerprint || !Number.isInteger(offset) || offset < 0) {
        throw cloudWatchError(
          'InvalidNextToken',
          'The service couldn’t process the NextToken: it does not belong to this request.',
        );
      }
    }
    const series = queries
      .filter((q) => q.returnData)
      .map((q) => this.compute(region, q, start, end, scanBy === 'TimestampAscending'));
    // Paging: the datapoints of every returned query, query by query, MaxDatapoints per page.
    let skip = offset;
    let room = maxDatapoints;
    let more = false;
    const results = series.map(({ query, timestamps, values }) => {
      const from = Math.min(skip, timestamps.length);
      skip -= from;
      const take = Math.min(room, timestamps.length - from);
      room -= take;
      const partial = from + take < timestamps.length;
      if (partial) more = true;
      return {
        Id: query.id,
        Label: query.label,
        Timestamps: timestamps.slice(from, from + take),
        Values: values.slice(from, from + take),
        StatusCode: partial ? 'PartialData' : 'Complete',
        Messages: [],
      };
    });
    return {
      MetricDataResults: results,
      ...(more ? { NextToken: `${fingerprint}.${offset + maxDatapoints}` } : {}),
      Messages: [],
    };
  }

  private parseQuery(q: Input, n: number): Query {
    const at = `MetricDataQueries.member.${n}`;
    if (typeof q.Id !== 'string' || q.Id === '') {
      throw cloudWatchError('MissingRequiredParameterException', `The parameter ${at}.Id is required.`);
    }
    if (q.Id.length > 255 || !ID_PATTERN.test(q.Id)) {
      throw invalid(
        `The value ${q.Id} for parameter ${at}.Id is not valid: it must start with a lower-case letter and hold only letters, digits and underscores.`,
      );
    }
    if (q.Expression !== undefined) {
      throw refuse(`${at}.Expression (metric math and Metrics Insights queries)`);
    }
    if (q.AccountId !== undefined && q.AccountId !== ACCOUNT_ID) {
      throw refuse(
        `${at}.AccountId ${String(q.AccountId)} (cross-account queries; the emulator has account ${ACCOUNT_ID})`,
      );
    }
    const stat = q.MetricStat as Input | undefined;
    if (!stat) {
      throw cloudWatchError(
        'MissingRequiredParameterException',
        `The parameter ${at}.MetricStat is required when ${at}.Expression is not given.`,
      );
    }
    if (q.Period !== undefined) {
      throw cloudWatchError(
        'InvalidParameterCombinationException',
        `The parameter ${at}.Period is used with Expression only; a MetricStat query sets ${at}.MetricStat.Period.`,
      );
    }
    const metric = (stat.Metric ?? {}) as Input;
    const namespace = String(metric.Namespace ?? '');
    const metricName = String(metric.MetricName ?? '');
    const metrics = (EMULATED_METRICS as Record<string, Record<string, string>>)[namespace];
    if (!metrics) {
      throw refuse(`Namespace ${namespace} (only AWS/SageMaker and /aws/sagemaker/Endpoints endpoint metrics are)`);
    }
    if (!(metricName in metrics)) {
      throw refuse(`Metric ${metricName} of namespace ${namespace} (emulated: ${Object.keys(metrics).join(', ')})`);
    }
    const dimensions = (metric.Dimensions ?? []) as Input[];
    const byName = new Map(dimensions.map((d) => [String(d.Name), String(d.Value)]));
    const names = [...byName.keys()].sort().join(',');
    if (names !== 'EndpointName,VariantName' || dimensions.length !== 2) {
      throw refuse(
        `The dimensions [${dimensions.map((d) => String(d.Name)).join(', ')}] of ${namespace} ${metricName} (the emulator publishes its endpoint metrics with exactly EndpointName and VariantName)`,
      );
    }
    const period = stat.Period;
    if (typeof period !== 'number' || !Number.isInteger(period) || period < 1) {
      throw invalid(`The parameter ${at}.MetricStat.Period must be a whole number of seconds greater than 0.`);
    }
    if (!SUB_MINUTE_PERIODS.has(period) && period % 60 !== 0) {
      throw invalid(`The parameter ${at}.MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60.`);
    }
    const statName = String(stat.Stat ?? '');
    if (!['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'].includes(statName) && !PERCENTILE.test(statName)) {
      throw refuse(`Statistic ${statName} (emulated: SampleCount, Sum, Average, Minimum, Maximum and percentiles pNN)`);
    }
    const unit = stat.Unit === undefined ? undefined : String(stat.Unit);
    if (unit !== undefined && !UNITS.has(unit)) {
      throw invalid(`The value ${unit} for parameter ${at}.MetricStat.Unit is not a CloudWatch unit.`);
    }
    const label = q.Label === undefined ? metricName : String(q.Label);
    if (label.includes('${')) throw refuse(`${at}.Label with dynamic labels`);
    return {
      id: q.Id,
      label,
      returnData: q.ReturnData !== false,
      namespace,
      metricName,
      endpointName: byName.get('EndpointName') as string,
      variantName: byName.get('VariantName') as string,
      period,
      stat: statName,
      unit,
    };
  }

  /** One datapoint per period holding data: [start, end) cut into periods from the rounded start. */
  private compute(region: string, query: Query, start: number, end: number, ascending: boolean): ResultSeries {
    const timestamps: number[] = [];
    const values: number[] = [];
    const series = this.store.find(query.namespace, query.metricName, {
      region,
      endpointName: query.endpointName,
      variantName: query.variantName,
    });
    // A Unit that is not the metric's selects no data, as CloudWatch filters by unit.
    if (series && (query.unit === undefined || query.unit === series.unit)) {
      // Rounded down: to the minute for periods of a minute or more, to the period's division of a minute below.
      const step = Math.min(query.period, 60);
      const from = Math.floor(Math.floor(start) / step) * step;
      const to = Math.ceil(end);
      // Periods wholly older than the retention hold nothing: start at the first one that may hold data.
      const oldest = Math.floor(this.now() / 1000) - RETENTION_SECONDS;
      const first = from < oldest ? from + Math.floor((oldest - from) / query.period) * query.period : from;
      for (let t = first; t < to; t += query.period) {
        const seconds = series.range(t, Math.min(t + query.period, to));
        if (seconds.length === 0) continue;
        timestamps.push(t);
        values.push(statistic(query.stat, seconds));
      }
    }
    if (!ascending) {
      timestamps.reverse();
      values.reverse();
    }
    return { query, timestamps, values };
  }
}
