/**
 * What the load-test steps (PrepareLoadTest, GenerateLoad, JudgeLoadStep, ReportLoadTest) keep under
 * `$.loadTest` of the state document, and how one run of the generators is planned: the step and slice, when it
 * starts, and each worker's users and share of the invocation budget.
 */
import { InvalidInputError } from '../../contracts/errors.ts';
import { LOAD_TEST } from '../../contracts/limits.ts';
import { type PatternInput, type PatternStep, patternSteps } from '../../contracts/load-pattern.ts';
import type { LoadStepSummary, StopReason, TestedVariantSummary } from '../../contracts/parts/load-test.ts';

/** One payload sample as the workers send it: an inline sample of the request, or one object under its s3Prefix. */
export interface ResolvedSample {
  /** The request's sample it comes from (its content type and accept header). */
  sample: number;
  weight: number;
  bytes: number;
  bucket?: string | undefined;
  key?: string | undefined;
}

/** The samples the workers draw from. */
export interface LoadTestInvocations {
  samples: ResolvedSample[];
}

/** One variant of the endpoint under test. */
export type TestedVariant = TestedVariantSummary;

/** The next run of the generators: one slice of one step, its start, and its workers. */
interface NextRun {
  step: PatternStep & { index: number };
  slice: { index: number; startSecond: number; seconds: number; startAt: number };
  /** One entry per worker, the Map's items. */
  workers: { index: number; of: number; budget: number }[];
  workerCount: number;
  /** More workers than an inline Map runs at once: the Distributed Map runs them. */
  distributed: boolean;
}

/** The slice of the request the planning reads. */
export interface PlannedRequest {
  pattern: PatternInput;
  options: { usersPerWorker: number; startLeadSeconds: number };
}

/** The slices a step of `seconds` runs as: at most LOAD_TEST.maxSliceSeconds each. */
export function sliceCount(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / LOAD_TEST.maxSliceSeconds));
}

/**
 * Plans slice `sliceIndex` of step `stepIndex`: ceil(users / usersPerWorker) workers starting `startLeadSeconds`
 * after `now`, the invocations left shared between them as evenly as whole numbers allow. A slice of one worker
 * has no start to synchronise: it starts when its worker does (`startAt` is `now`; see generateLoad).
 */
export function planRun(
  request: PlannedRequest,
  stepIndex: number,
  sliceIndex: number,
  budget: number,
  now: number,
): NextRun {
  const step = patternSteps(request.pattern)[stepIndex];
  if (step === undefined) throw new Error(`the pattern has no step ${stepIndex}`);
  const startSecond = sliceIndex * LOAD_TEST.maxSliceSeconds;
  const seconds = Math.min(LOAD_TEST.maxSliceSeconds, step.durationSeconds - startSecond);
  const workerCount = Math.max(1, Math.ceil(step.users / request.options.usersPerWorker));
  const leadSeconds = workerCount > 1 ? request.options.startLeadSeconds : 0;
  const share = Math.floor(budget / workerCount);
  const extra = budget - share * workerCount;
  return {
    step: { ...step, index: stepIndex },
    slice: {
      index: sliceIndex,
      startSecond,
      seconds,
      startAt: Math.round(now + leadSeconds * 1000),
    },
    workers: Array.from({ length: workerCount }, (_, index) => ({
      index,
      of: workerCount,
      budget: share + (index < extra ? 1 : 0),
    })),
    workerCount,
    distributed: workerCount > LOAD_TEST.maxInlineWorkers,
  };
}

/** The key of a worker's result under the test's results prefix. */
export function workerResultKey(prefix: string, at: { step: number; slice: number; worker: number }): string {
  return `${prefix}step-${at.step}/slice-${at.slice}/worker-${at.worker}.json`;
}

/** The key of a step's merged figures (histogram and time windows) under the test's results prefix. */
export function stepResultKey(prefix: string, step: number): string {
  return `${prefix}step-${step}/merged.json`;
}

/** What stopped the test: the step, the condition, and the figures that broke it. */
export interface StoppedBy {
  step: number | null;
  condition: StopReason;
  detail: string;
}

/** `$.loadTest` while the test runs. */
export interface LoadTestProgress {
  /** Where the workers' results, the steps' merged figures and the report go in the artifact bucket. */
  resultsPrefix: string;
  invocations: LoadTestInvocations;
  variants: TestedVariant[];
  /** Invocations the caps still allow. */
  budgetRemaining: number;
  next: NextRun;
  steps: LoadStepSummary[];
  done: boolean;
  stoppedBy?: StoppedBy | undefined;
}

/** Refuses a load test whose `field` the endpoint, or what it names, shows to be wrong. */
export function refuseLoadTestInput(field: string, message: string): never {
  throw new InvalidInputError(`Invalid load test input: ${field}: ${message}`);
}
