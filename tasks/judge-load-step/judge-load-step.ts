/**
 * JudgeLoadStep: after each run of the load generators, reads what the workers wrote. Within a step longer than one
 * slice it plans the next slice. At the end of a step it merges every worker's histogram and counts (percentiles
 * only from the merge), writes the merged figures next to the workers', summarizes the step, judges it against the
 * stopping conditions, and either plans the next step or ends the test, saying what stopped it.
 */

import { patternSteps } from '../../contracts/load-pattern.ts';
import type {
  LoadStepSummary,
  OutcomeCounts,
  StopReason,
  TargetModelCounts,
  WindowCounts,
  WorkerResult,
} from '../../contracts/parts/load-test.ts';
import { LatencyHistogram } from '../_shared/latency-histogram.ts';
import {
  type LoadTestProgress,
  type PlannedRequest,
  planRun,
  type StoppedBy,
  sliceCount,
  stepResultKey,
  workerResultKey,
} from '../_shared/load-test-state.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the request JudgeLoadStep reads. */
export interface JudgedRequest extends PlannedRequest {
  stoppingConditions: {
    latencyThreshold?: { percentile: 'P50' | 'P90' | 'P95' | 'P99'; valueMs: number } | undefined;
    maxErrorRate: number;
    maxInvocations?: number | undefined;
  };
}

/** The slice of the state document JudgeLoadStep reads. */
export interface JudgeLoadStepState {
  loadTest: LoadTestProgress & { request: JudgedRequest };
}
export const JudgeLoadStepState = stateSlice<JudgeLoadStepState>({
  loadTest: {
    request: { pattern: 'object', options: 'object', stoppingConditions: 'object' },
    resultsPrefix: 'string',
    invocations: 'object',
    variants: 'array',
    budgetRemaining: 'number',
    next: 'object',
    steps: 'array',
    done: 'boolean',
    stoppedBy: optional('object'),
  },
});

/** What JudgeLoadStep needs from the outside. */
interface JudgeLoadStepDeps {
  readJson(key: string): Promise<unknown>;
  writeJson(key: string, value: unknown): Promise<void>;
  now(): number;
}

/** A worker that began more than this late is counted as late in the step's summary. */
const LATE_START_MS = 1000;

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const ms = (micros: number) => (Number.isNaN(micros) ? null : round(micros / 1000));

function add(into: OutcomeCounts, from: OutcomeCounts): void {
  into.requests += from.requests;
  into.succeeded += from.succeeded;
  into.throttled += from.throttled;
  for (const [status, n] of Object.entries(from.statuses)) into.statuses[status] = (into.statuses[status] ?? 0) + n;
  for (const [error, n] of Object.entries(from.errors)) into.errors[error] = (into.errors[error] ?? 0) + n;
}

/** The merged figures of a step: counts, latency histogram and time windows of all its workers and slices. */
function mergeResults(results: readonly WorkerResult[]) {
  const counts: OutcomeCounts = { requests: 0, succeeded: 0, throttled: 0, statuses: {}, errors: {} };
  const histogram = new LatencyHistogram();
  const windows = new Map<number, WindowCounts>();
  const targetModels: TargetModelCounts = {};
  for (const result of results) {
    add(counts, result);
    for (const [model, n] of Object.entries(result.targetModels ?? {})) {
      const merged = targetModels[model] ?? { requests: 0, succeeded: 0 };
      targetModels[model] = { requests: merged.requests + n.requests, succeeded: merged.succeeded + n.succeeded };
    }
    histogram.add(result.latency);
    for (const window of result.windows) {
      let merged = windows.get(window.startSecond);
      if (merged === undefined) {
        merged = { startSecond: window.startSecond, requests: 0, succeeded: 0, throttled: 0, statuses: {}, errors: {} };
        windows.set(window.startSecond, merged);
      }
      add(merged, window);
    }
  }
  return {
    counts,
    histogram,
    windows: [...windows.values()].sort((a, b) => a.startSecond - b.startSecond),
    targetModels,
  };
}

const PERCENTILE_OF = { P50: 50, P90: 90, P95: 95, P99: 99 } as const;

/** The most common errors of a step, for a message: `ModelError 500: 120, ThrottlingException: 3`. */
function topErrors(errors: Readonly<Record<string, number>>): string {
  return Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([error, n]) => `${error}: ${n}`)
    .join(', ');
}

/** The condition a step breaks, first latency then errors; or the target it meets. */
function judge(
  summary: Omit<LoadStepSummary, 'passed' | 'stoppedBy'>,
  histogram: LatencyHistogram,
  conditions: JudgedRequest['stoppingConditions'],
): { passed: boolean; stoppedBy?: { condition: StopReason; detail: string } } {
  const threshold = conditions.latencyThreshold;
  if (threshold !== undefined) {
    const value = histogram.percentile(PERCENTILE_OF[threshold.percentile]) / 1000;
    if (histogram.count === 0) {
      return {
        passed: false,
        stoppedBy: {
          condition: 'latencyThreshold',
          detail: `no request succeeded, so ${threshold.percentile} is unknown`,
        },
      };
    }
    if (value > threshold.valueMs) {
      return {
        passed: false,
        stoppedBy: {
          condition: 'latencyThreshold',
          detail: `${threshold.percentile} ${round(value, 1)} ms > ${threshold.valueMs} ms`,
        },
      };
    }
  }
  if (summary.errorRate > conditions.maxErrorRate) {
    const detail =
      summary.requests === 0
        ? 'no request completed'
        : `error rate ${round(summary.errorRate, 4)} > ${conditions.maxErrorRate} (${topErrors(summary.errors)})`;
    return { passed: false, stoppedBy: { condition: 'maxErrorRate', detail } };
  }
  if (conditions.maxInvocations !== undefined && summary.maxInvocations >= conditions.maxInvocations) {
    return {
      passed: true,
      stoppedBy: {
        condition: 'maxInvocations',
        detail: `${round(summary.maxInvocations, 1)} invocations per minute sustained, target ${conditions.maxInvocations}`,
      },
    };
  }
  return { passed: true };
}

/** The JudgeLoadStep step. */
export async function judgeLoadStep<S extends JudgeLoadStepState>(state: S, deps: JudgeLoadStepDeps): Promise<S> {
  const test = state.loadTest;
  const { next, request, resultsPrefix } = test;
  const step = next.step;
  const read = (slice: number) =>
    Promise.all(
      next.workers.map(
        async (w) =>
          (await deps.readJson(
            workerResultKey(resultsPrefix, { step: step.index, slice, worker: w.index }),
          )) as WorkerResult,
      ),
    );
  const current = await read(next.slice.index);
  const budgetRemaining = test.budgetRemaining - current.reduce((sum, r) => sum + r.requests, 0);
  const budgetUsedUp = budgetRemaining <= 0 || current.some((r) => r.budgetExhausted);
  const lastSlice = next.slice.index >= sliceCount(step.durationSeconds) - 1;
  if (!lastSlice && !budgetUsedUp) {
    return {
      ...state,
      loadTest: {
        ...test,
        budgetRemaining,
        next: planRun(request, step.index, next.slice.index + 1, budgetRemaining, deps.now()),
      },
    };
  }

  const earlier = await Promise.all(Array.from({ length: next.slice.index }, (_, slice) => read(slice)));
  const results = [...earlier.flat(), ...current];
  const { counts, histogram, windows, targetModels } = mergeResults(results);
  const startedAt = Math.min(...results.filter((r) => r.slice === 0).map((r) => r.startAt));
  // The last slice's workers started at its startAt, or its sole worker when it was started (generateLoad).
  const endedAt = Math.max(...current.map((r) => r.startAt)) + next.slice.seconds * 1000;
  const seconds = next.slice.startSecond + next.slice.seconds;
  await deps.writeJson(stepResultKey(resultsPrefix, step.index), {
    step: step.index,
    latency: histogram.toJSON(),
    windows,
  });

  const base = {
    ...counts,
    step: step.index,
    users: step.users,
    durationSeconds: seconds,
    startedAt,
    endedAt,
    workers: next.workerCount,
    lateWorkers: results.filter((r) => r.lateStartMs > LATE_START_MS).length,
    maxLateStartMs: round(Math.max(0, ...results.map((r) => r.lateStartMs)), 0),
    maxInvocations: round((counts.succeeded / seconds) * 60, 1),
    requestsPerSecond: round(counts.succeeded / seconds, 2),
    errorRate: counts.requests === 0 ? 1 : round((counts.requests - counts.succeeded) / counts.requests, 6),
    latencyMs: {
      p50: ms(histogram.percentile(50)),
      p90: ms(histogram.percentile(90)),
      p95: ms(histogram.percentile(95)),
      p99: ms(histogram.percentile(99)),
      min: ms(histogram.min),
      max: ms(histogram.max),
      mean: ms(histogram.mean),
    },
    ...(Object.keys(targetModels).length > 0 ? { targetModels } : {}),
  };
  let verdict = judge(base, histogram, request.stoppingConditions);
  if (budgetUsedUp && verdict.passed) {
    verdict = {
      passed: false,
      stoppedBy: {
        condition: 'maxTotalInvocations',
        detail: `caps.maxTotalInvocations was used up during the step, after ${seconds < step.durationSeconds ? `${seconds} of ${step.durationSeconds} s` : 'its last requests'}`,
      },
    };
  }
  const summary: LoadStepSummary = {
    ...base,
    passed: verdict.passed,
    ...(verdict.stoppedBy ? { stoppedBy: verdict.stoppedBy } : {}),
  };
  const steps = [...test.steps, summary];
  const lastStep = step.index >= patternSteps(request.pattern).length - 1;
  let stoppedBy: StoppedBy | undefined;
  if (verdict.stoppedBy) stoppedBy = { step: step.index, ...verdict.stoppedBy };
  else if (lastStep) stoppedBy = { step: null, condition: 'patternComplete', detail: 'every step of the pattern ran' };
  if (stoppedBy !== undefined) {
    return { ...state, loadTest: { ...test, budgetRemaining, steps, done: true, stoppedBy } };
  }
  return {
    ...state,
    loadTest: {
      ...test,
      budgetRemaining,
      steps,
      next: planRun(request, step.index + 1, 0, budgetRemaining, deps.now()),
    },
  };
}
