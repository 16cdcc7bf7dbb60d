/**
 * The report of a load test (a LoadTestReport, LoadTestEndpoint's output) as a picture and a table: the verdict,
 * latency against throughput step by step with the threshold drawn, each step's figures and SageMaker's own.
 */
import type {
  LatencyPercentile,
  LatencySummary,
  LoadStepSummary,
  LoadTestReport,
} from '../../../contracts/parts/load-test.ts';
import { type ChartGuide, renderChart } from './chart.ts';
import {
  type Block,
  type RenderedReport,
  type ReportContext,
  type ReportDocument,
  renderHtml,
  renderMarkdown,
} from './document.ts';
import { formatNumber, formatPercent, MISSING } from './format.ts';
import { describeSite } from './measurement-site.ts';

/** What a load-test report says besides the figures: the run, and the threshold the steps were held to. */
export interface LoadTestReportContext extends ReportContext {
  latencyThreshold?: LatencyThreshold | undefined;
}

/** A latency threshold as the stopping conditions give it. */
interface LatencyThreshold {
  percentile: LatencyPercentile;
  valueMs: number;
}

/** The LatencySummary field of a percentile. */
export const percentileKey = (percentile: LatencyPercentile) =>
  percentile.toLowerCase() as keyof Pick<LatencySummary, 'p50' | 'p90' | 'p95' | 'p99'>;

/**
 * The percentile the latency chart plots: p95, or the threshold's own percentile when it names another, so that the
 * line and the threshold drawn across it measure the same thing.
 */
export function chartedPercentile(threshold: LatencyThreshold | null | undefined): LatencyPercentile {
  return threshold?.percentile ?? 'P95';
}

/** The threshold as a guide across the latency axis. */
export function thresholdGuide(threshold: LatencyThreshold | null | undefined, axis: 'x' | 'y'): ChartGuide[] {
  return threshold === undefined || threshold === null
    ? []
    : [
        {
          axis,
          value: threshold.valueMs,
          label: `${threshold.percentile} threshold ${formatNumber(threshold.valueMs, 1)} ms`,
        },
      ];
}

/** How a step ended: passed, met the target, or the condition it broke. */
function outcomeOf(step: LoadStepSummary): string {
  if (step.stoppedBy === undefined) return step.passed ? 'passed' : 'failed';
  const what = step.passed ? 'passed' : 'failed';
  return `${what}: ${step.stoppedBy.condition} (${step.stoppedBy.detail})`;
}

/** The verdict in one sentence. */
function verdictSentence(report: LoadTestReport, percentile: LatencyPercentile): string {
  const v = report.verdict;
  const stop = v.stoppedBy;
  const where = stop.step === null ? '' : ` at step ${stop.step + 1}`;
  const stopped =
    stop.condition === 'patternComplete'
      ? 'Every step of the pattern ran.'
      : `Stopped by ${stop.condition}${where}: ${stop.detail}.`;
  if (v.highestPassingStep === null) {
    return `No step met the stopping conditions. ${stopped}`;
  }
  const latency = v.latencyMs?.[percentileKey(percentile)] ?? null;
  return (
    `Sustains ${formatNumber(v.maxInvocations, 0)} invocations per minute (${formatNumber((v.maxInvocations ?? 0) / 60, 1)} per second) ` +
    `with ${v.users} concurrent users at step ${v.highestPassingStep + 1}, ${percentile} ${formatNumber(latency, 1)} ms. ${stopped}`
  );
}

/** The report as blocks. */
function loadTestReportDocument(report: LoadTestReport, context: LoadTestReportContext): ReportDocument {
  const percentile = chartedPercentile(context.latencyThreshold);
  const key = percentileKey(percentile);
  const threshold = context.latencyThreshold;
  const chart = renderChart({
    id: 'latency-vs-throughput',
    title: `${percentile} latency against throughput, step by step`,
    xLabel: 'Successful requests per second',
    yLabel: `${percentile} latency (ms)`,
    style: 'line',
    series: [
      {
        name: report.endpointName,
        points: report.steps
          .filter((s) => s.latencyMs[key] !== null)
          .map((s) => ({ x: s.requestsPerSecond, y: s.latencyMs[key] as number, label: `${s.users} users` })),
      },
    ],
    guides: thresholdGuide(threshold, 'y'),
  });

  const stepTable = {
    headers: [
      'Step',
      'Users',
      'Seconds',
      'Requests',
      'Req/s',
      'MaxInvocations /min',
      'p50 ms',
      'p90 ms',
      'p95 ms',
      'p99 ms',
      'Errors',
      'Throttled',
      'Outcome',
    ],
    numeric: [true, true, true, true, true, true, true, true, true, true, true, true, false],
    rows: report.steps.map((s) => [
      String(s.step + 1),
      String(s.users),
      formatNumber(s.durationSeconds, 0),
      formatNumber(s.requests, 0),
      formatNumber(s.requestsPerSecond, 1),
      formatNumber(s.maxInvocations, 0),
      formatNumber(s.latencyMs.p50, 1),
      formatNumber(s.latencyMs.p90, 1),
      formatNumber(s.latencyMs.p95, 1),
      formatNumber(s.latencyMs.p99, 1),
      formatPercent(s.errorRate, 2),
      formatNumber(s.throttled, 0),
      outcomeOf(s),
    ]),
    emphasised: report.verdict.highestPassingStep === null ? [] : [report.verdict.highestPassingStep],
  };
  const metricRows = report.steps.flatMap((s) =>
    (s.sageMaker ?? []).map((m) => [
      String(s.step + 1),
      m.variantName,
      formatNumber(m.invocations, 0),
      formatNumber(m.modelLatencyMs.average, 2),
      formatNumber(m.modelLatencyMs.maximum, 2),
      formatNumber(m.overheadLatencyMs.average, 2),
      formatNumber(m.cpuUtilization.average, 0),
      formatNumber(m.cpuUtilization.maximum, 0),
      formatNumber(m.memoryUtilization.average, 1),
      formatNumber((m.invocation4xxErrors ?? 0) + (m.invocation5xxErrors ?? 0), 0),
    ]),
  );
  const metricsTable = {
    headers: [
      'Step',
      'Variant',
      'Invocations',
      'ModelLatency avg ms',
      'ModelLatency max ms',
      'OverheadLatency avg ms',
      'CPU avg %',
      'CPU max %',
      'Memory avg %',
      '4XX + 5XX',
    ],
    numeric: [true, false, true, true, true, true, true, true, true, true],
    rows: metricRows,
  };

  const errors = new Map<string, number>();
  for (const step of report.steps) {
    for (const [code, count] of Object.entries(step.errors)) errors.set(code, (errors.get(code) ?? 0) + count);
  }

  const blocks: Block[] = [
    {
      kind: 'paragraph',
      tone: report.verdict.highestPassingStep === null ? 'warning' : 'verdict',
      text: verdictSentence(report, percentile),
    },
    {
      kind: 'facts',
      items: [
        ['Endpoint', report.endpointName],
        [
          'Variants',
          report.variants
            .map((v) =>
              v.serverless
                ? `${v.variantName} (serverless)`
                : `${v.variantName} (${v.instanceCount ?? MISSING} × ${v.instanceType ?? MISSING})`,
            )
            .join(', ') || MISSING,
        ],
        [
          'Latency threshold',
          threshold === undefined ? 'none' : `${threshold.percentile} ≤ ${formatNumber(threshold.valueMs, 1)} ms`,
        ],
        ['Execution', `${context.workflow} ${context.executionName}`],
        ['Report made', context.generatedAt],
        ['Each step’s merged histogram', report.resultsUri],
      ],
    },
    { kind: 'paragraph', tone: 'note', text: describeSite(context.site) },
    { kind: 'heading', text: 'Latency against throughput' },
    { kind: 'chart', svg: chart, title: `${percentile} latency against throughput` },
    {
      kind: 'paragraph',
      text: `Each point is one step of the pattern: its successful requests per second and the ${percentile} latency clients saw (from the steps' merged histograms). ${threshold === undefined ? 'No latency threshold was set.' : `The dashed line is the ${threshold.percentile} threshold.`}`,
    },
    { kind: 'heading', text: 'Steps' },
    { kind: 'table', table: stepTable },
    {
      kind: 'paragraph',
      text: 'Latency is what clients saw for successful requests, from each step’s merged histogram; MaxInvocations is successful requests per minute sustained over the step.',
    },
    { kind: 'heading', text: 'SageMaker’s figures' },
    metricRows.length > 0
      ? { kind: 'table', table: metricsTable }
      : { kind: 'paragraph', text: 'CloudWatch gave no figures for these steps.' },
    {
      kind: 'paragraph',
      text: 'From CloudWatch over each step: ModelLatency and OverheadLatency (AWS/SageMaker), CPU (100% per core) and memory utilization (/aws/sagemaker/Endpoints).',
    },
  ];
  if (errors.size > 0) {
    blocks.push(
      { kind: 'heading', text: 'Errors' },
      {
        kind: 'table',
        table: {
          headers: ['Error', 'Requests'],
          numeric: [false, true],
          rows: [...errors.entries()].sort((a, b) => b[1] - a[1]).map(([code, count]) => [code, formatNumber(count)]),
        },
      },
    );
  }
  if (report.metricsNote !== undefined) blocks.push({ kind: 'paragraph', tone: 'warning', text: report.metricsNote });
  return { title: `Load test of ${report.endpointName}`, blocks };
}

/** The load test's HTML page and Markdown summary. */
export function renderLoadTestReport(report: LoadTestReport, context: LoadTestReportContext): RenderedReport {
  const doc = loadTestReportDocument(report, context);
  return { html: renderHtml(doc), markdown: renderMarkdown(doc) };
}
