import { describe, expect, it } from 'vitest';
import { CloudWatchApi } from '../../../local/emulator/cloudwatch/api.ts';
import { MetricStore } from '../../../local/emulator/cloudwatch/metric-store.ts';
import type { ServiceError } from '../../../local/emulator/errors.ts';

/** 2026-12-06T12:00:00Z, on a minute boundary. */
const T0 = Date.UTC(2026, 11, 6, 12, 0, 0) / 1000;
const variant = { region: 'us-east-1', endpointName: 'ep', variantName: 'AllTraffic' };
const dimensions = [
  { Name: 'EndpointName', Value: 'ep' },
  { Name: 'VariantName', Value: 'AllTraffic' },
];

/** A store holding invocations at the given seconds after T0, with the given model latencies (µs). */
function storeWith(invocations: { at: number; latencyUs: number; status?: number }[]): MetricStore {
  const store = new MetricStore(() => (T0 + 600) * 1000);
  for (const { at, latencyUs, status } of invocations) {
    store.recordInvocation(variant, {
      atMs: (T0 + at) * 1000,
      instances: 1,
      modelStatus: status ?? 200,
      modelLatencyUs: latencyUs,
      overheadLatencyUs: 100,
    });
  }
  return store;
}

function query(id: string, metricName: string, stat: string, period: number, extra: Record<string, unknown> = {}) {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/SageMaker', MetricName: metricName, Dimensions: dimensions },
      Period: period,
      Stat: stat,
    },
    ...extra,
  };
}

type Output = {
  MetricDataResults: { Id: string; Timestamps: number[]; Values: number[]; StatusCode: string }[];
  NextToken?: string;
};

function call(api: CloudWatchApi, input: Record<string, unknown>): Output {
  return api.call('GetMetricData', 'us-east-1', input) as Output;
}

describe('CloudWatch GetMetricData semantics', () => {
  const store = storeWith([
    { at: 5, latencyUs: 10 },
    { at: 5, latencyUs: 30 },
    { at: 59, latencyUs: 20 },
    { at: 61, latencyUs: 40, status: 500 },
    { at: 125, latencyUs: 50 },
  ]);
  const api = new CloudWatchApi(store, () => (T0 + 600) * 1000);

  it('rounds StartTime down to the minute, keeps EndTime exclusive, and stamps each period at its start', () => {
    const out = call(api, {
      MetricDataQueries: [query('n', 'Invocations', 'Sum', 60)],
      StartTime: T0 + 30, // rounded down to T0
      EndTime: T0 + 125, // exclusive: the invocation at 125 is left out
      ScanBy: 'TimestampAscending',
    });

    expect(out.MetricDataResults[0]?.Timestamps).toEqual([T0, T0 + 60]);
    expect(out.MetricDataResults[0]?.Values).toEqual([3, 1]);
  });

  it('computes nearest-rank percentiles and the other statistics from every value of the period', () => {
    const stat = (s: string) =>
      call(api, { MetricDataQueries: [query('q', 'ModelLatency', s, 300)], StartTime: T0, EndTime: T0 + 300 })
        .MetricDataResults[0]?.Values[0];

    expect(stat('SampleCount')).toBe(5);
    expect(stat('Sum')).toBe(150);
    expect(stat('Average')).toBe(30);
    expect(stat('Minimum')).toBe(10);
    expect(stat('Maximum')).toBe(50);
    expect(stat('p50')).toBe(30);
    expect(stat('p20')).toBe(10);
    expect(stat('p20.1')).toBe(20);
    expect(stat('p100')).toBe(50);
    expect(
      call(api, {
        MetricDataQueries: [query('e', 'Invocation5XXErrors', 'Average', 300)],
        StartTime: T0,
        EndTime: T0 + 300,
      }).MetricDataResults[0]?.Values,
    ).toEqual([0.2]);
  });

  it('aligns periods under a minute to their division of the minute', () => {
    const out = call(api, {
      MetricDataQueries: [query('n', 'Invocations', 'Sum', 10)],
      StartTime: T0 + 7,
      EndTime: T0 + 70,
      ScanBy: 'TimestampAscending',
    });

    expect(out.MetricDataResults[0]?.Timestamps).toEqual([T0, T0 + 50, T0 + 60]);
    expect(out.MetricDataResults[0]?.Values).toEqual([2, 1, 1]);
  });

  it('pages across queries by MaxDatapoints and leaves out queries with ReturnData false', () => {
    const input = {
      MetricDataQueries: [
        query('a', 'Invocations', 'Sum', 60),
        query('hidden', 'Invocations', 'Sum', 60, { ReturnData: false }),
        query('b', 'ModelLatency', 'Maximum', 60),
      ],
      StartTime: T0,
      EndTime: T0 + 180,
      MaxDatapoints: 2,
    };
    const first = call(api, input);
    const second = call(api, { ...input, NextToken: first.NextToken });
    const third = call(api, { ...input, NextToken: second.NextToken });

    expect(first.MetricDataResults.map((r) => r.Id)).toEqual(['a', 'b']);
    expect(first.MetricDataResults.map((r) => [r.Values, r.StatusCode])).toEqual([
      [[1, 1], 'PartialData'],
      [[], 'PartialData'],
    ]);
    expect(second.MetricDataResults.map((r) => [r.Values, r.StatusCode])).toEqual([
      [[3], 'Complete'],
      [[50], 'PartialData'],
    ]);
    expect(third.MetricDataResults.map((r) => [r.Values, r.StatusCode])).toEqual([
      [[], 'Complete'],
      [[40, 30], 'Complete'],
    ]);
    expect(third.NextToken).toBeUndefined();
  });

  it('refuses a missing MetricDataQueries, StartTime after EndTime and duplicate ids with CloudWatch error codes', () => {
    const errorOf = (input: Record<string, unknown>) => {
      try {
        call(api, input);
      } catch (err) {
        return err as ServiceError;
      }
      throw new Error('no error');
    };
    const missing = errorOf({ StartTime: T0, EndTime: T0 + 60 });
    const reversed = errorOf({
      MetricDataQueries: [query('a', 'Invocations', 'Sum', 60)],
      StartTime: T0 + 60,
      EndTime: T0,
    });
    const duplicate = errorOf({
      MetricDataQueries: [query('a', 'Invocations', 'Sum', 60), query('a', 'ModelLatency', 'Sum', 60)],
      StartTime: T0,
      EndTime: T0 + 60,
    });

    expect(missing.code).toBe('MissingRequiredParameterException');
    expect(missing.headers['x-amzn-query-error']).toBe('MissingParameter;Sender');
    expect(reversed.code).toBe('InvalidParameterValueException');
    expect(reversed.message).toBe('The parameter StartTime must be less than the parameter EndTime.');
    expect(duplicate.message).toContain('The value a for field Id in MetricDataQueries is not unique.');
  });
});
