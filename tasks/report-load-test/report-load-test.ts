/**
 * ReportLoadTest: once the pattern has stopped (and CloudWatch has had time to show the last minute), reads
 * SageMaker's own figures for every step with one GetMetricData over the whole test, adds them to the steps,
 * and gives the verdict (the highest step that met the stopping conditions, and what stopped the test above it).
 * Each step's merged histogram and time windows stay where JudgeLoadStep wrote them, under `resultsUri`.
 */
import type {
  LoadStepSummary,
  LoadTestReport,
  LoadTestVerdict,
  VariantMetrics,
} from '../../contracts/parts/load-test.ts';
import { coveredShare, type MetricsQuery, type VariantSeries, variantMetrics } from '../_shared/endpoint-metrics.ts';
import type { StoppedBy, TestedVariant } from '../_shared/load-test-state.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document ReportLoadTest reads. */
export interface ReportLoadTestState {
  loadTest: {
    request: { endpointName: string; options: { metricsPeriodSeconds: number } };
    resultsPrefix: string;
    variants: TestedVariant[];
    steps: LoadStepSummary[];
    stoppedBy?: StoppedBy | undefined;
  };
}
export const ReportLoadTestState = stateSlice<ReportLoadTestState>({
  loadTest: {
    request: { endpointName: 'string', options: { metricsPeriodSeconds: 'number' } },
    resultsPrefix: 'string',
    variants: 'array',
    steps: 'array',
    stoppedBy: optional('object'),
  },
});

/** What ReportLoadTest needs from the outside. */
interface ReportLoadTestDeps {
  readMetrics(query: MetricsQuery): Promise<Map<string, VariantSeries>>;
  /** The s3:// URI of a key in the artifact bucket. */
  uriOf(key: string): string;
}

/** CloudWatch counted fewer than this share of a step's invocations when read: its figures may be incomplete. */
const COMPLETE_SHARE = 0.9;
/** Steps shorter than this many periods are not checked for completeness. */
const MIN_CHECKED_PERIODS = 5;

/** The invocation-weighted ModelLatency average of a step's variants, or null. */
function modelLatencyOf(metrics: readonly VariantMetrics[] | undefined): number | null {
  const known = (metrics ?? []).filter((m) => m.modelLatencyMs.average !== null);
  const weight = (m: VariantMetrics) => m.invocations ?? 1;
  const total = known.reduce((sum, m) => sum + weight(m), 0);
  if (known.length === 0 || total === 0) return null;
  const value = known.reduce((sum, m) => sum + (m.modelLatencyMs.average as number) * weight(m), 0) / total;
  return Math.round(value * 1000) / 1000;
}

/** The verdict from the judged steps and what stopped the test. */
function verdictOf(steps: readonly LoadStepSummary[], stoppedBy: StoppedBy | undefined): LoadTestVerdict {
  const passing = steps.filter((s) => s.passed).at(-1);
  return {
    highestPassingStep: passing?.step ?? null,
    maxInvocations: passing?.maxInvocations ?? null,
    users: passing?.users ?? null,
    latencyMs: passing?.latencyMs ?? null,
    modelLatencyMs: modelLatencyOf(passing?.sageMaker),
    stoppedBy: stoppedBy ?? { step: null, condition: 'patternComplete', detail: 'every step of the pattern ran' },
  };
}

/** The ReportLoadTest step. */
export async function reportLoadTest<S extends ReportLoadTestState>(
  state: S,
  deps: ReportLoadTestDeps,
): Promise<S & { loadTest: S['loadTest'] & { report: LoadTestReport } }> {
  const test = state.loadTest;
  const period = test.request.options.metricsPeriodSeconds * 1000;
  const variantNames = test.variants.map((v) => v.variantName);
  let steps = test.steps;
  let metricsNote: string | undefined;
  if (steps.length > 0) {
    const start = Math.floor(Math.min(...steps.map((s) => s.startedAt)) / period) * period;
    const end = Math.ceil(Math.max(...steps.map((s) => s.endedAt)) / period) * period;
    try {
      const series = await deps.readMetrics({
        endpointName: test.request.endpointName,
        variantNames,
        start: new Date(start),
        end: new Date(end),
        periodSeconds: period / 1000,
      });
      steps = steps.map((step) => ({
        ...step,
        sageMaker: variantNames.map((name) =>
          variantMetrics(name, series.get(name) ?? ({} as VariantSeries), step.startedAt, step.endedAt, period / 1000),
        ),
      }));
      // Over a few periods the edges (an invocation counted by the client in one period, by SageMaker in the next)
      // outweigh what is missing: only steps of at least MIN_CHECKED_PERIODS whole periods are checked.
      const short = steps.filter(
        (s) =>
          s.endedAt - s.startedAt >= MIN_CHECKED_PERIODS * period &&
          (s.sageMaker ?? []).reduce((sum, m) => sum + (m.invocations ?? 0), 0) <
            s.requests * coveredShare(s.startedAt, s.endedAt, period / 1000) * COMPLETE_SHARE,
      );
      if (short.length > 0) {
        metricsNote = `CloudWatch had counted fewer than ${COMPLETE_SHARE * 100}% of the invocations of step ${short.map((s) => s.step).join(', ')} when read: its figures there may be incomplete (options.metricsDelaySeconds waits longer)`;
      }
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      metricsNote = `SageMaker's figures are missing: GetMetricData failed with ${name}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const report: LoadTestReport = {
    endpointName: test.request.endpointName,
    variants: test.variants,
    steps,
    verdict: verdictOf(steps, test.stoppedBy),
    ...(metricsNote !== undefined ? { metricsNote } : {}),
    resultsUri: deps.uriOf(test.resultsPrefix),
  };
  return { ...state, loadTest: { ...test, report } };
}
