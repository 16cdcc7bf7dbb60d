/**
 * The report of a right-sizing (a RightSizeReport, RightSizeEndpoint's output): the recommendation first, then
 * every candidate's latency against its throughput step by step (one line each, the threshold drawn), cost per
 * million inferences against latency, the ranked table, the failures with SageMaker's reasons, where the prices came
 * from, and the ready DeployEndpoint input. `writeRightSizeReport` renders and writes it in one call, for the
 * workflow's last step.
 */
import type { ReportFiles } from '../../../contracts/parts/report-files.ts';
import type { PriceSource, RankedCandidate, RightSizeReport } from '../../../contracts/parts/right-size.ts';
import { type ChartSeries, renderChart } from './chart.ts';
import {
  type Block,
  type RenderedReport,
  type ReportContext,
  type ReportDocument,
  renderHtml,
  renderMarkdown,
} from './document.ts';
import { formatNumber, formatUsd, MISSING } from './format.ts';
import { chartedPercentile, percentileKey, thresholdGuide } from './load-test-report.ts';
import { describeSite, type MeasurementSite } from './measurement-site.ts';
import { type ReportObjects, writeReportFiles } from './report-files.ts';

/** The workflow whose reports these are: the first folder of their keys. */
const RIGHT_SIZE_REPORT_WORKFLOW = 'RightSizeEndpoint';

/** `a, b and c`. */
function joinList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Where the prices came from: what was sourced (and by whom), what is an estimate, what the input gave. */
export function describePrices(prices: PriceSource): string {
  const publishers = new Set(prices.sources.map((s) => s.publisher));
  const by = publishers.size === 1 && publishers.has('AWS') ? 'AWS published' : 'public sources give';
  const parts = [
    ...(prices.sourced.length > 0
      ? [
          `${joinList(prices.sourced)} from the committed table, at figures ${by} (${prices.sources.map((s) => sourceRef(prices, s.id)).join(' ')}, listed under "Price sources")`,
        ]
      : []),
    ...(prices.estimated.length > 0
      ? [
          `${joinList(prices.estimated)} from the committed table's estimates, figures no public source was found for: pass current prices in the input for a decision that matters`,
        ]
      : []),
    ...(prices.overridden.length > 0 ? [`${joinList(prices.overridden)} from the execution input`] : []),
  ];
  const unpriced =
    prices.unpriced.length > 0 ? ` No price was known for ${joinList(prices.unpriced)}: their cost is left empty.` : '';
  const checked =
    prices.tableUrl !== undefined
      ? ` The table (contracts/parts/hosting-prices.ts) was last checked against ${prices.tableUrl}${prices.tableDate !== undefined ? ` on ${prices.tableDate}` : ''}.`
      : '';
  const priced = parts.length > 0 ? `: ${parts.join('; ')}.` : '.';
  return `Prices in ${prices.currency} for ${prices.region}${priced}${unpriced}${checked}`;
}

/** A source's reference in the report: its place in the prices' sources, `[1]` for the first. */
function sourceRef(prices: PriceSource, id: string): string {
  const at = prices.sources.findIndex((s) => s.id === id);
  return at < 0 ? `[${id}]` : `[${at + 1}]`;
}

/** Where a candidate's price came from, as one cell: `sourced [1]`, `estimate`, `input` or –. */
function priceCell(c: RankedCandidate, prices: PriceSource): string {
  const { basis, sources } = c.price;
  if (basis === 'sourced') return `sourced ${sources.map((id) => sourceRef(prices, id)).join(' ')}`;
  return basis === 'none' ? MISSING : basis;
}

/** A candidate's place in the ranking and whether it meets the target, as one cell. */
function meetsCell(c: RankedCandidate): string {
  if (c.meetsTarget) return 'yes';
  return c.notMeetingBecause !== undefined ? `no: ${c.notMeetingBecause}` : 'no';
}

/** The report as blocks. */
function rightSizeReportDocument(report: RightSizeReport, context: ReportContext): ReportDocument {
  const threshold = report.target.latencyThreshold;
  const percentile = chartedPercentile(threshold);
  const key = percentileKey(percentile);
  const recommended = report.recommendation?.candidateIndex;
  const isRecommended = (c: RankedCandidate) => c.index === recommended;

  // One series per candidate with figures, in ranked order, so that each keeps its colour in both charts.
  const charted = report.candidates.filter((c) => c.steps.length > 0 || c.latencyMs !== null);
  const seriesName = (c: RankedCandidate) => `${c.label}${isRecommended(c) ? ' (recommended)' : ''}`;
  const latencySeries: ChartSeries[] = charted.map((c) => ({
    name: seriesName(c),
    highlight: isRecommended(c),
    points: c.steps
      .filter((s) => s.latencyMs[key] !== null)
      .map((s) => ({ x: s.requestsPerSecond, y: s.latencyMs[key] as number })),
  }));
  const costSeries: ChartSeries[] = charted.map((c) => {
    const latency = c.latencyMs?.[key] ?? null;
    return {
      name: seriesName(c),
      highlight: isRecommended(c),
      points:
        latency !== null && c.costPerMillionInferences !== null
          ? [{ x: latency, y: c.costPerMillionInferences, label: c.label }]
          : [],
    };
  });
  const latencyChart = renderChart({
    id: 'latency-vs-throughput',
    title: `${percentile} latency against throughput, one line per candidate`,
    xLabel: 'Successful requests per second',
    yLabel: `${percentile} latency (ms)`,
    style: 'line',
    series: latencySeries,
    guides: thresholdGuide(threshold, 'y'),
  });
  const costChart = renderChart({
    id: 'cost-vs-latency',
    title: `Cost per million inferences against ${percentile} latency`,
    xLabel: `${percentile} latency at the highest passing step (ms)`,
    yLabel: `Cost per million inferences (${report.prices.currency})`,
    style: 'points',
    series: costSeries,
    guides: thresholdGuide(threshold, 'x'),
  });

  const ranked = report.candidates;
  const rankTable = {
    headers: [
      'Rank',
      'Candidate',
      'Meets target',
      'MaxInvocations /min',
      'Req/s',
      'Req/s per instance',
      `${percentile} ms`,
      '$ / hour',
      '$ / million inferences',
      'For the target',
      '$ / hour at target',
      'Price',
    ],
    numeric: [true, false, false, true, true, true, true, true, true, true, true, false],
    rows: ranked.map((c) => [
      c.rank === null ? MISSING : String(c.rank),
      c.label,
      meetsCell(c),
      formatNumber(c.maxInvocations, 0),
      formatNumber(c.requestsPerSecond, 1),
      formatNumber(c.requestsPerSecondPerInstance, 1),
      formatNumber(c.latencyMs?.[key], 1),
      formatUsd(c.costPerHour),
      formatUsd(c.costPerMillionInferences),
      c.instanceCountForTarget !== null
        ? `${c.instanceCountForTarget} instance${c.instanceCountForTarget === 1 ? '' : 's'}`
        : c.serverlessConcurrencyForTarget !== null
          ? `MaxConcurrency ${c.serverlessConcurrencyForTarget}`
          : MISSING,
      formatUsd(c.costPerHourAtTarget),
      priceCell(c, report.prices),
    ]),
    emphasised: ranked.flatMap((c, i) => (isRecommended(c) ? [i] : [])),
  };
  const measuredRows = ranked
    .filter((c) => c.latencyMs !== null)
    .map((c) => [
      c.label,
      formatNumber(c.latencyMs?.p50, 1),
      formatNumber(c.latencyMs?.p90, 1),
      formatNumber(c.latencyMs?.p95, 1),
      formatNumber(c.latencyMs?.p99, 1),
      formatNumber(c.modelLatencyMs, 2),
      formatNumber(c.cpuUtilization, 0),
      formatNumber(c.memoryUtilization, 1),
      c.resultsUri ?? MISSING,
    ]);
  const failures = ranked.filter((c) => c.failure !== undefined);

  const rec = report.recommendation;
  const verdict: Block =
    rec !== null
      ? {
          kind: 'paragraph',
          tone: 'verdict',
          text:
            `Deploy ${rec.label}${rec.instanceCount !== undefined ? ` on ${rec.instanceCount} instance${rec.instanceCount === 1 ? '' : 's'}` : ''}: ` +
            `${formatUsd(rec.costPerHour)} an hour, ${formatUsd(rec.costPerMillionInferences)} per million inferences. ${rec.reason}.`,
        }
      : {
          kind: 'paragraph',
          tone: 'warning',
          text: `No candidate meets the target. ${report.noRecommendationBecause ?? ''}`.trim(),
        };

  const blocks: Block[] = [
    verdict,
    {
      kind: 'facts',
      items: [
        ['Target', `${formatNumber(report.target.requestsPerSecond, 1)} requests per second`],
        ['Safety factor', formatNumber(report.target.safetyFactor, 2)],
        [
          'Latency threshold',
          threshold === null ? 'none' : `${threshold.percentile} ≤ ${formatNumber(threshold.valueMs, 1)} ms`,
        ],
        ['Candidates', `${ranked.length} (${ranked.filter((c) => c.meetsTarget).length} meet the target)`],
        ['Measured by', report.engine === 'load-test' ? 'load tests on throwaway endpoints' : 'Inference Recommender'],
        ...(report.inferenceRecommenderJob !== undefined
          ? [['Inference Recommender job', report.inferenceRecommenderJob.jobArn] as const]
          : []),
        ['Prices', `${report.prices.kind}, ${report.prices.region}`],
        ['Execution', `${context.workflow} ${context.executionName}`],
        ['Report made', context.generatedAt],
      ],
    },
    { kind: 'paragraph', tone: 'note', text: describeSite(context.site) },
    { kind: 'paragraph', tone: 'note', text: describePrices(report.prices) },
    ...report.notes.map((text): Block => ({ kind: 'paragraph', tone: 'note', text })),
    { kind: 'heading', text: 'Latency against throughput' },
    { kind: 'chart', svg: latencyChart, title: `${percentile} latency against throughput, one line per candidate` },
    {
      kind: 'paragraph',
      text: `Each point is one step of a candidate's load test, as deployed (its instance count): successful requests per second and the ${percentile} latency clients saw. A line that bends upward has reached what the candidate sustains.${threshold === null ? '' : ` The dashed line is the ${threshold.percentile} threshold.`}`,
    },
    { kind: 'heading', text: 'Cost against latency' },
    { kind: 'chart', svg: costChart, title: `Cost per million inferences against ${percentile} latency` },
    {
      kind: 'paragraph',
      text: 'Each point is a candidate at its highest step that met the stopping conditions: cost per million inferences at the rate it sustained there, against its latency. Lower and further left is better.',
    },
    { kind: 'heading', text: 'Ranked candidates' },
    { kind: 'table', table: rankTable },
    {
      kind: 'paragraph',
      text: 'Candidates that meet the target come first, cheapest first. "For the target" is what the target needs at the safety factor: instances (per-instance sustained rate × safety factor), or a serverless MaxConcurrency. "Price" says where the candidate\'s price came from: the committed table at a figure a public source gives (sourced, with the source), the table\'s own estimate, or the execution input.',
    },
  ];
  if (report.prices.sources.length > 0) {
    blocks.push(
      { kind: 'heading', text: 'Price sources' },
      {
        kind: 'table',
        table: {
          headers: ['Source', 'Publisher', 'What', 'Date', 'Region it states', 'Where'],
          rows: report.prices.sources.map((s, i) => [
            `[${i + 1}] ${s.id}`,
            s.publisher,
            s.title,
            s.date,
            s.region ?? 'none',
            s.url,
          ]),
        },
      },
    );
  }
  if (measuredRows.length > 0) {
    blocks.push(
      { kind: 'heading', text: 'Measurements at the highest passing step' },
      {
        kind: 'table',
        table: {
          headers: [
            'Candidate',
            'p50 ms',
            'p90 ms',
            'p95 ms',
            'p99 ms',
            'ModelLatency ms',
            'CPU %',
            'Memory %',
            'Load test results',
          ],
          numeric: [false, true, true, true, true, true, true, true, false],
          rows: measuredRows,
        },
      },
    );
  }
  if (failures.length > 0) {
    blocks.push(
      { kind: 'heading', text: 'Candidates that failed' },
      {
        kind: 'table',
        table: {
          headers: ['Candidate', 'Outcome', 'Error', 'Reason'],
          rows: failures.map((c) => [c.label, c.outcome, c.failure?.error ?? '', c.failure?.cause ?? '']),
        },
      },
    );
  }
  if (rec !== null) {
    blocks.push(
      { kind: 'heading', text: 'Recommended DeployEndpoint input' },
      {
        kind: 'paragraph',
        text: `Save it as deploy-endpoint.json and run: npx smwf run DeployEndpoint --input deploy-endpoint.json.${rec.invocationsPerInstanceTarget !== null ? ` Its autoscaling target is ${formatNumber(rec.invocationsPerInstanceTarget, 0)} invocations per instance per minute (sustained requests per second per instance × safety factor × 60).` : ''}`,
      },
      { kind: 'code', language: 'json', text: JSON.stringify(rec.deployEndpointInput, null, 2) },
    );
  }
  const subject = rec?.deployEndpointInput.endpointName;
  return { title: subject !== undefined ? `Right-sizing ${subject}` : 'Right-sizing', blocks };
}

/** The right-sizing's HTML page and Markdown summary. */
export function renderRightSizeReport(report: RightSizeReport, context: ReportContext): RenderedReport {
  const doc = rightSizeReportDocument(report, context);
  return { html: renderHtml(doc), markdown: renderMarkdown(doc) };
}

/** What writeRightSizeReport needs: where to write, where the figures were measured, the time. */
interface WriteRightSizeReportDeps {
  objects: ReportObjects;
  site: MeasurementSite;
  now(): Date;
}

/**
 * For RightSizeEndpoint's last step: renders `report` and writes it as
 * `reports/RightSizeEndpoint/<execution name>/report.html` and `summary.md` under the artifact bucket; returns the
 * report with their URIs as `reportFiles` (the output `smwf run` downloads them from). The step needs s3:PutObject
 * on the artifact objects and kms:GenerateDataKey on the artifact key (as tasks/write-load-test-report grants).
 */
export async function writeRightSizeReport(
  report: RightSizeReport,
  executionName: string,
  deps: WriteRightSizeReportDeps,
): Promise<RightSizeReport & { reportFiles: ReportFiles }> {
  const rendered = renderRightSizeReport(report, {
    workflow: RIGHT_SIZE_REPORT_WORKFLOW,
    executionName,
    generatedAt: deps.now().toISOString(),
    site: deps.site,
  });
  const reportFiles = await writeReportFiles(deps.objects, RIGHT_SIZE_REPORT_WORKFLOW, executionName, rendered);
  return { ...report, reportFiles };
}
