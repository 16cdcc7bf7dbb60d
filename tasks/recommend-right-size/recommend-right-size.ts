/**
 * RecommendRightSize: RightSizeEndpoint's last step. Prices every measured candidate (the table in
 * contracts/parts/hosting-prices.ts for the region, the input's prices on top), ranks them, picks the cheapest that
 * meets the latency threshold at the target and writes the ready DeployEndpoint input (recommendation.ts has the
 * arithmetic). Its result is the execution's output, a RightSizeReport.
 */
import type { LatencyPercentile } from '../../contracts/parts/load-test.ts';
import type { MeasuredCandidate, RightSizeReport } from '../../contracts/parts/right-size.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import {
  costCandidate,
  type DeployTemplate,
  type PriceOverrides,
  rankCandidates,
  recommend,
  resolvePrices,
} from './recommendation.ts';

/** The slice of the state document RecommendRightSize reads. */
export interface RecommendRightSizeState {
  request: {
    endpointNamePrefix: string;
    targetRequestsPerSecond: number;
    safetyFactor: number;
    region?: string | undefined;
    prices?: PriceOverrides | undefined;
    stoppingConditions: { latencyThreshold?: { percentile: LatencyPercentile; valueMs: number } | undefined };
    engine: 'load-test' | 'inference-recommender';
  };
  plan: { deployTemplate: DeployTemplate };
  measured: MeasuredCandidate[];
  inferenceRecommenderJob?: { jobName: string; jobArn: string } | undefined;
  /** The execution, whose name names the report's folder. */
  execution: { name: string };
}
export const RecommendRightSizeState = stateSlice<RecommendRightSizeState>({
  request: {
    endpointNamePrefix: 'string',
    targetRequestsPerSecond: 'number',
    safetyFactor: 'number',
    region: optional('string'),
    prices: optional('object'),
    stoppingConditions: 'object',
    engine: 'string',
  },
  plan: { deployTemplate: { model: 'object', healthCheck: 'object' } },
  measured: 'array',
  inferenceRecommenderJob: optional({ jobName: 'string', jobArn: 'string' }),
  execution: { name: 'string' },
} as never);

/** What RecommendRightSize needs from the outside. */
interface RecommendRightSizeDeps {
  /** The region the workflow runs in (the default region for prices). */
  region: string;
  /** True when SageMaker is the local emulator (AWS_ENDPOINT_URL): the figures are this machine's. */
  local: boolean;
}

/** The RecommendRightSize step. */
export async function recommendRightSize(
  state: RecommendRightSizeState,
  deps: RecommendRightSizeDeps,
): Promise<RightSizeReport> {
  const { request } = state;
  const measured = [...state.measured].sort((a, b) => a.candidate.index - b.candidate.index);
  const region = request.region ?? deps.region;
  const prices = resolvePrices(region, request.prices, measured);
  const target = {
    requestsPerSecond: request.targetRequestsPerSecond,
    safetyFactor: request.safetyFactor,
    latencyThreshold: request.stoppingConditions.latencyThreshold ?? null,
  };
  const ranked = rankCandidates(measured.map((m) => costCandidate(m, prices, target)));
  const { recommendation, noRecommendationBecause } = recommend(
    ranked,
    target,
    state.plan.deployTemplate,
    request.endpointNamePrefix,
  );
  const notes: string[] = [];
  if (deps.local) {
    notes.push(
      "Measured on the local emulator: the figures are this machine's (its cores, shared with the load generators), not the instance types'; the prices are AWS's, sourced or estimated as the prices note says.",
    );
  }
  if (prices.source.unpriced.length > 0) {
    notes.push(
      `No price for ${prices.source.unpriced.join(', ')} in ${region}: their cost figures are empty; give them in prices.`,
    );
  }
  const chosen = ranked.find((c) => c.index === recommendation?.candidateIndex);
  if (chosen !== undefined && chosen.price.basis === 'estimate') {
    notes.push(
      `The recommendation rests on an estimated price: ${chosen.label} is priced at the table's estimate of ${chosen.price.usd} USD per ${chosen.price.unit}, which no public source confirmed; check it, or give it in prices.`,
    );
  }
  if (measured.some((m) => m.outcome === 'tested' && m.steps.length > 0 && m.steps.every((s) => s.passed))) {
    notes.push(
      'A candidate that passed every step of the pattern may sustain more than measured: its instance count is an upper bound; a longer pattern tells.',
    );
  }
  return {
    engine: request.engine,
    target,
    prices: prices.source,
    candidates: ranked,
    recommendation,
    ...(noRecommendationBecause !== undefined ? { noRecommendationBecause } : {}),
    ...(state.inferenceRecommenderJob !== undefined ? { inferenceRecommenderJob: state.inferenceRecommenderJob } : {}),
    notes,
  };
}
