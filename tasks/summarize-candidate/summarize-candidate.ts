/**
 * SummarizeCandidate: the end of one RightSizeEndpoint candidate's iteration. Turns what happened (a deployment
 * that failed, a load test that failed, or the load test's report) into the compact MeasuredCandidate the
 * recommendation reads: the figures of the highest step that met the stopping conditions (Inference Recommender's
 * MaxInvocations, ModelLatency, CpuUtilization, MemoryUtilization at it) and one point per step for the chart. The
 * Map collects these; the full report stays in S3 (`resultsUri`), so the Map's result stays small.
 */
import type { LoadTestReport } from '../../contracts/parts/load-test.ts';
import type { CandidateStepPoint, MeasuredCandidate, RightSizeCandidate } from '../../contracts/parts/right-size.ts';
import { describeCaughtError } from '../_shared/caught-error.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document SummarizeCandidate reads. */
export interface SummarizeCandidateState {
  candidate: RightSizeCandidate;
  /** Set by the state that caught a failure: `deploy` or `test`. */
  failedAt?: 'deploy' | 'test' | undefined;
  error?: { Error: string; Cause?: string | undefined } | undefined;
  loadTest: { report?: LoadTestReport | undefined };
}
export const SummarizeCandidateState = stateSlice<SummarizeCandidateState>({
  candidate: { index: 'number', label: 'string', endpointName: 'string', environment: 'object' },
  failedAt: optional('string'),
  error: optional({ Error: 'string' }),
  loadTest: { report: optional({ steps: 'array', verdict: 'object' }) },
} as never);

/** The average of a figure over the variants that have it, or null. */
function averageOf(values: readonly (number | null | undefined)[]): number | null {
  const known = values.filter((v): v is number => typeof v === 'number');
  return known.length === 0 ? null : known.reduce((sum, v) => sum + v, 0) / known.length;
}

/** The SummarizeCandidate step. */
export async function summarizeCandidate(state: SummarizeCandidateState): Promise<MeasuredCandidate> {
  const { candidate } = state;
  const empty = {
    maxInvocations: null,
    latencyMs: null,
    modelLatencyMs: null,
    cpuUtilization: null,
    memoryUtilization: null,
    steps: [] as CandidateStepPoint[],
  };
  const report = state.loadTest.report;
  if (state.failedAt !== undefined || report === undefined) {
    const caught = describeCaughtError(state.error ?? { Error: 'States.Runtime', Cause: 'no error was recorded' });
    return {
      candidate,
      outcome: state.failedAt === 'deploy' ? 'deployFailed' : 'testFailed',
      failure: { error: caught.name, cause: caught.message },
      ...empty,
      ...(report !== undefined ? { resultsUri: report.resultsUri } : {}),
    };
  }
  const steps: CandidateStepPoint[] = report.steps.map((s) => ({
    step: s.step,
    users: s.users,
    requestsPerSecond: s.requestsPerSecond,
    maxInvocations: s.maxInvocations,
    errorRate: s.errorRate,
    latencyMs: s.latencyMs,
    passed: s.passed,
  }));
  const { verdict } = report;
  const stoppedBy = `${verdict.stoppedBy.condition}${verdict.stoppedBy.step !== null ? ` at step ${verdict.stoppedBy.step}` : ''}: ${verdict.stoppedBy.detail}`;
  if (verdict.highestPassingStep === null) {
    return { candidate, outcome: 'noPassingStep', ...empty, steps, stoppedBy, resultsUri: report.resultsUri };
  }
  const best = report.steps.find((s) => s.step === verdict.highestPassingStep);
  const variants = best?.sageMaker ?? [];
  return {
    candidate,
    outcome: 'tested',
    maxInvocations: verdict.maxInvocations,
    latencyMs: verdict.latencyMs,
    modelLatencyMs: verdict.modelLatencyMs,
    cpuUtilization: averageOf(variants.map((v) => v.cpuUtilization.average)),
    memoryUtilization: averageOf(variants.map((v) => v.memoryUtilization.average)),
    stoppedBy,
    steps,
    resultsUri: report.resultsUri,
  };
}
