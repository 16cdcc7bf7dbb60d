/**
 * GetInferenceRecommendations: describes RightSizeEndpoint's Inference Recommender job until it settles
 * (DescribeInferenceRecommendationsJob, API API_DescribeInferenceRecommendationsJob). While it runs: the next wait,
 * growing to at most 5 minutes (Advanced jobs take about 2 hours). COMPLETED: each recommendation mapped to the
 * candidate of its instance type (or serverless memory size) and environment, with Inference Recommender's own
 * figures (MaxInvocations, ModelLatency, CpuUtilization, MemoryUtilization; API API_RecommendationMetrics) and the
 * instance count it chose, for RecommendRightSize to price and rank as it does the load-test engine's. FAILED or
 * STOPPED: RecommenderJobFailedError with SageMaker's FailureReason.
 */
import { RecommenderJobFailedError } from '../../contracts/errors.ts';
import type { MeasuredCandidate, RightSizeCandidate } from '../../contracts/parts/right-size.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** What DescribeInferenceRecommendationsJob answers that this step reads. */
interface RecommendationsJobDescription {
  status: string;
  failureReason?: string | undefined;
  recommendations: {
    instanceType?: string | undefined;
    initialInstanceCount?: number | undefined;
    serverlessMemorySizeInMB?: number | undefined;
    environment: Record<string, string>;
    maxInvocations?: number | undefined;
    modelLatencyMs?: number | undefined;
    cpuUtilization?: number | undefined;
    memoryUtilization?: number | undefined;
  }[];
}

/** The slice of the state document GetInferenceRecommendations reads. */
export interface GetInferenceRecommendationsState {
  plan: { candidates: RightSizeCandidate[] };
  inferenceRecommenderJob: { jobName: string; jobArn: string };
  recommenderStatus: { waitSeconds: number };
}
export const GetInferenceRecommendationsState = stateSlice<GetInferenceRecommendationsState>({
  plan: { candidates: 'array' },
  inferenceRecommenderJob: { jobName: 'string', jobArn: 'string' },
  recommenderStatus: { waitSeconds: 'number' },
});

const SETTLED_FAILED = new Set(['FAILED', 'STOPPED', 'STOPPING', 'DELETING', 'DELETED']);
const MAX_WAIT_SECONDS = 300;

/** A figure IR reports as NaN when it has none (DG inference-recommender-interpret-results). */
const figure = (value: number | undefined): number | null =>
  value === undefined || Number.isNaN(value) ? null : value;

/** The job's recommendations as measured candidates: one per candidate of the plan that it matched. */
function measuredFromRecommendations(
  candidates: readonly RightSizeCandidate[],
  recommendations: RecommendationsJobDescription['recommendations'],
): MeasuredCandidate[] {
  const sameEnvironment = (a: Record<string, string>, b: Record<string, string>) =>
    Object.entries(a).every(([k, v]) => b[k] === v);
  return candidates.map((candidate) => {
    const found = recommendations.find(
      (r) =>
        (candidate.instanceType !== undefined
          ? r.instanceType === candidate.instanceType
          : r.serverlessMemorySizeInMB === candidate.serverless?.memorySizeInMB) &&
        sameEnvironment(candidate.environment, r.environment),
    );
    const maxInvocations = figure(found?.maxInvocations);
    if (found === undefined || maxInvocations === null) {
      return {
        candidate,
        outcome: 'noPassingStep',
        maxInvocations: null,
        latencyMs: null,
        modelLatencyMs: null,
        cpuUtilization: null,
        memoryUtilization: null,
        stoppedBy: 'Inference Recommender recommended no configuration of this candidate',
        steps: [],
      };
    }
    return {
      // Inference Recommender chooses the instance count itself.
      candidate: {
        ...candidate,
        ...(candidate.instanceType !== undefined ? { instanceCount: found.initialInstanceCount ?? 1 } : {}),
      },
      outcome: 'tested',
      maxInvocations,
      latencyMs: null,
      modelLatencyMs: figure(found.modelLatencyMs),
      cpuUtilization: figure(found.cpuUtilization),
      memoryUtilization: figure(found.memoryUtilization),
      steps: [],
    };
  });
}

/** The GetInferenceRecommendations step. */
export async function getInferenceRecommendations<S extends GetInferenceRecommendationsState>(
  state: S,
  deps: { describeJob(jobName: string): Promise<RecommendationsJobDescription> },
) {
  const job = await deps.describeJob(state.inferenceRecommenderJob.jobName);
  if (SETTLED_FAILED.has(job.status)) {
    throw new RecommenderJobFailedError(
      `Inference Recommender job ${state.inferenceRecommenderJob.jobName} is ${job.status}: ${job.failureReason ?? 'SageMaker gave no reason'}`,
    );
  }
  if (job.status !== 'COMPLETED') {
    const waitSeconds = Math.min(MAX_WAIT_SECONDS, state.recommenderStatus.waitSeconds * 2);
    return { ...state, recommenderStatus: { status: job.status, settled: false, waitSeconds } };
  }
  return {
    ...state,
    recommenderStatus: { status: job.status, settled: true, waitSeconds: 0 },
    measured: measuredFromRecommendations(state.plan.candidates, job.recommendations),
  };
}
