import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListMetricsCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clients,
  deployModel,
  errorOf,
  LINEAR_IMAGE,
  modelProcessesWithEnvironment,
  startTestEmulator,
  uploadLinearModel,
} from './helpers.ts';

const ENDPOINT = 'metrics-linear';
const dimensions = [
  { Name: 'EndpointName', Value: ENDPOINT },
  { Name: 'VariantName', Value: 'AllTraffic' },
];

function query(id: string, namespace: string, metricName: string, stat: string, period = 3600): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
      Period: period,
      Stat: stat,
    },
  };
}

describe('CloudWatch GetMetricData for endpoint metrics', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let cloudWatch: CloudWatchClient;
  let c: ReturnType<typeof clients>;
  let testStart: Date;
  const marker = `metrics-${process.pid}-${Date.now()}`;
  const good = 12;
  const bad = 3;

  const window = () => ({ StartTime: testStart, EndTime: new Date(Date.now() + 60_000) });
  const getMetricData = (
    input: Omit<GetMetricDataCommandInput, 'StartTime' | 'EndTime'> & Partial<GetMetricDataCommandInput>,
  ) => cloudWatch.send(new GetMetricDataCommand({ ...window(), ...input }));
  const single = async (q: MetricDataQuery) => {
    const out = await getMetricData({ MetricDataQueries: [q] });
    return out.MetricDataResults?.[0]?.Values ?? [];
  };

  beforeAll(async () => {
    testStart = new Date(Date.now() - 60_000);
    emulator = await startTestEmulator();
    c = clients(emulator.url, 1);
    cloudWatch = new CloudWatchClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const modelUri = await uploadLinearModel(c.s3, 'metrics', 'linear/model.tar.gz', [2, 3], 1);
    await deployModel(
      c.sagemaker,
      ENDPOINT,
      {
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/test',
        PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: modelUri, Environment: { SMWF_TEST_MARKER: marker } },
      },
      { InitialInstanceCount: 2 },
    );
    for (let i = 0; i < good; i++) {
      await c.runtime.send(
        new InvokeEndpointCommand({ EndpointName: ENDPOINT, ContentType: 'text/csv', Body: `${i},1` }),
      );
    }
    for (let i = 0; i < bad; i++) {
      // The model answers 400 to a content type it cannot read: a ModelError carrying its 4xx.
      await errorOf(
        c.runtime.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, ContentType: 'image/png', Body: 'x' })),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it('counts what the endpoint served: invocations, 4XX errors, per instance', async () => {
    const out = await getMetricData({
      MetricDataQueries: [
        query('invocations', 'AWS/SageMaker', 'Invocations', 'Sum'),
        query('errors4', 'AWS/SageMaker', 'Invocation4XXErrors', 'Sum'),
        query('errorRate', 'AWS/SageMaker', 'Invocation4XXErrors', 'Average'),
        query('errors5', 'AWS/SageMaker', 'Invocation5XXErrors', 'Sum'),
        query('perInstance', 'AWS/SageMaker', 'InvocationsPerInstance', 'Sum'),
      ],
    });

    const values = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
    expect(values.invocations).toEqual([good + bad]);
    expect(values.errors4).toEqual([bad]);
    expect(values.errorRate?.[0]).toBeCloseTo(bad / (good + bad), 10);
    expect(values.errors5).toEqual([0]);
    expect(values.perInstance?.[0]).toBeCloseTo((good + bad) / 2, 10);
    expect(out.MetricDataResults?.every((r) => r.StatusCode === 'Complete')).toBe(true);
    expect(out.MetricDataResults?.[0]?.Label).toBe('Invocations');
    expect(out.NextToken).toBeUndefined();
  });

  it('computes latency statistics and exact percentiles from every recorded value', async () => {
    const stat = async (s: string) => (await single(query('latency', 'AWS/SageMaker', 'ModelLatency', s)))[0] as number;
    const [count, sum, average, minimum, maximum, p50, p99] = [
      await stat('SampleCount'),
      await stat('Sum'),
      await stat('Average'),
      await stat('Minimum'),
      await stat('Maximum'),
      await stat('p50'),
      await stat('p99'),
    ];

    expect(count).toBe(good + bad);
    expect(average).toBeCloseTo(sum / count, 6);
    expect(minimum).toBeGreaterThan(0);
    expect(minimum).toBeLessThanOrEqual(p50);
    expect(p50).toBeLessThanOrEqual(p99);
    // The nearest rank of 99% of 15 values is the 15th: the largest.
    expect(p99).toBe(maximum);
    expect(await single(query('overhead', 'AWS/SageMaker', 'OverheadLatency', 'SampleCount'))).toEqual([good + bad]);
  });

  it('reports CPU and memory utilization of the instances, sampled from /proc every second', async () => {
    const deadline = Date.now() + 15_000;
    let samples: number[] = [];
    while (samples.length === 0 && Date.now() < deadline) {
      samples = await single(query('cpuCount', '/aws/sagemaker/Endpoints', 'CPUUtilization', 'SampleCount'));
      if (samples.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    const memory = await single(query('memory', '/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Maximum'));
    const cpu = await single(query('cpu', '/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average'));

    expect(samples[0]).toBeGreaterThanOrEqual(1);
    expect(memory[0]).toBeGreaterThan(0);
    expect(memory[0]).toBeLessThan(100);
    expect(cpu[0]).toBeGreaterThanOrEqual(0);
  });

  it('answers one datapoint per period holding data, ordered by ScanBy, and pages by MaxDatapoints', async () => {
    const perSecond = query('perSecond', 'AWS/SageMaker', 'Invocations', 'Sum', 1);
    const descending = (await getMetricData({ MetricDataQueries: [perSecond] })).MetricDataResults?.[0];
    const ascending = (await getMetricData({ MetricDataQueries: [perSecond], ScanBy: 'TimestampAscending' }))
      .MetricDataResults?.[0];
    const timestamps = (ascending?.Timestamps ?? []).map((t) => t.getTime());

    expect(ascending?.Values?.reduce((a, b) => a + b, 0)).toBe(good + bad);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(descending?.Timestamps?.map((t) => t.getTime())).toEqual([...timestamps].reverse());
    for (const t of timestamps) expect(t % 1000).toBe(0);

    // The same request again, page by page (a NextToken belongs to the request that returned it).
    const fixed = window();
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await getMetricData({
        ...fixed,
        MetricDataQueries: [perSecond],
        ScanBy: 'TimestampAscending',
        MaxDatapoints: 1,
        ...(token ? { NextToken: token } : {}),
      });
      const result = page.MetricDataResults?.[0];
      pages.push(...(result?.Values ?? []));
      token = page.NextToken;
      expect(result?.StatusCode).toBe(token ? 'PartialData' : 'Complete');
    } while (token);
    expect(pages).toEqual(ascending?.Values);
  });

  it("selects no data for a unit that is not the metric's, and none for an endpoint without metrics", async () => {
    const milliseconds = { ...query('ms', 'AWS/SageMaker', 'ModelLatency', 'Average') };
    (milliseconds.MetricStat as { Unit?: string }).Unit = 'Milliseconds';
    const other = query('other', 'AWS/SageMaker', 'Invocations', 'Sum');
    other.MetricStat?.Metric?.Dimensions?.splice(0, 1, { Name: 'EndpointName', Value: 'never-invoked' });

    expect(await single(milliseconds)).toEqual([]);
    expect(await single(other)).toEqual([]);
  });

  it('refuses what it does not emulate, with CloudWatch error types the SDK knows', async () => {
    const refused = async (q: MetricDataQuery) => errorOf(getMetricData({ MetricDataQueries: [q] }));
    const otherNamespace = await refused(query('ec2', 'AWS/EC2', 'CPUUtilization', 'Average'));
    const otherMetric = await refused(query('disk', '/aws/sagemaker/Endpoints', 'DiskUtilization', 'Average'));
    const trimmedMean = await refused(query('tm', 'AWS/SageMaker', 'ModelLatency', 'TM(10%:90%)'));
    const expression = await refused({ Id: 'math', Expression: 'SUM(METRICS())' });
    const oddPeriod = await refused(query('odd', 'AWS/SageMaker', 'Invocations', 'Sum', 45));
    const container = await refused({
      Id: 'container',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SageMaker',
          MetricName: 'Invocations',
          Dimensions: [...dimensions, { Name: 'ContainerName', Value: 'primary' }],
        },
        Period: 60,
        Stat: 'Sum',
      },
    });
    const badToken = await errorOf(
      getMetricData({ MetricDataQueries: [query('x', 'AWS/SageMaker', 'Invocations', 'Sum')], NextToken: 'nope.1' }),
    );
    const listMetrics = await errorOf(cloudWatch.send(new ListMetricsCommand({ Namespace: 'AWS/SageMaker' })));

    for (const err of [otherNamespace, otherMetric, trimmedMean, expression, container, listMetrics]) {
      expect(err.name).toBe('UnknownOperationException');
      expect(err.message).toContain('not supported by the smwf local emulator yet');
    }
    expect(otherNamespace.message).toContain('Namespace AWS/EC2');
    expect(trimmedMean.message).toContain('Statistic TM(10%:90%)');
    expect(container.message).toContain('ContainerName');
    expect(oddPeriod.name).toBe('InvalidParameterValueException');
    expect(oddPeriod.message).toContain('Period must be 1, 5, 10, 20, 30 or a multiple of 60');
    expect(badToken.name).toBe('InvalidNextToken');
    expect(listMetrics.name).toBe('UnknownOperationException');
    expect(listMetrics.$metadata?.httpStatusCode).toBe(400);
  });

  it('runs InitialInstanceCount processes, each with the model Environment as its environment', async () => {
    const dir = join(emulator.stateDir, 'logs', 'us-east-1', 'aws', 'sagemaker', 'Endpoints', ENDPOINT);
    const logs = await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8')));
    const ports = new Set(logs.flatMap((text) => [...(/on 127\.0\.0\.1:(\d+)/g.exec(text) ?? [])].slice(1)));

    expect(logs).toHaveLength(2);
    expect(ports.size).toBe(2);
    expect(modelProcessesWithEnvironment(`SMWF_TEST_MARKER=${marker}`)).toHaveLength(2);
  });
});
