/**
 * The right-sizing arithmetic: prices, costs, instance counts at the target, the ranking and the recommendation.
 * Pure functions over the measured candidates (tasks/summarize-candidate, or an Inference Recommender job mapped
 * to the same shape), so that the figures can be checked by hand.
 *
 * - Instance candidates: requests per second sustained = MaxInvocations / 60; per instance = that / instanceCount;
 *   CostPerHour = instanceCount × the instance-hour price; CostPerInference = CostPerHour / (MaxInvocations × 60)
 *   (Inference Recommender's definition); cost per million inferences = CostPerInference × 1,000,000.
 * - At the target: each instance is planned at its sustained rate × safetyFactor, so
 *   instances = ceil(targetRequestsPerSecond / (per-instance rate × safetyFactor)); the autoscaling target is
 *   SageMakerVariantInvocationsPerInstance = per-instance rate × safetyFactor × 60, AWS's MAX_RPS × SAFETY_FACTOR × 60
 *   (SageMaker Developer Guide, "Load testing your auto scaling configuration", endpoint-scaling-loadtest).
 * - Serverless candidates: billed per second of compute by memory size, so CostPerInference = the latency of one
 *   request (SageMaker's ModelLatency where CloudWatch had it, else the client's mean) × memory in GB × the
 *   GB-second price + the per-request price; CostPerHour = that × the requests of an hour at the sustained rate (or
 *   at the target, for costPerHourAtTarget). The MaxConcurrency the target needs is Little's law with the same
 *   headroom: ceil(target × latency in s / safetyFactor), at most 200 (ServerlessConfig.MaxConcurrency).
 * - Ranking: candidates with figures, those that meet the target first, by cost per hour at the target, then cost
 *   per million inferences, then plan order; the recommendation is the first that meets the target and has a price.
 */

import {
  HOSTING_PRICE_SOURCES,
  HOSTING_PRICES,
  HOSTING_PRICES_DATE,
  HOSTING_PRICES_URL,
  type HostingPrice,
  type HostingPriceSourceId,
} from '../../contracts/parts/hosting-prices.ts';
import type { LatencyPercentile } from '../../contracts/parts/load-test.ts';
import type {
  CandidatePrice,
  MeasuredCandidate,
  PriceSource,
  RankedCandidate,
  RecommendedDeployment,
  RightSizeCandidate,
  RightSizeRecommendation,
} from '../../contracts/parts/right-size.ts';

/** The most instances of one variant (ProductionVariant.InitialInstanceCount) and a serverless MaxConcurrency. */
const MAX_VARIANT_INSTANCES = 1000;
const MAX_SERVERLESS_CONCURRENCY = 200;

/** Prices in USD, as the input may give them (any part). */
export interface PriceOverrides {
  instanceHour?: Readonly<Record<string, number>> | undefined;
  serverlessGbSecond?: number | undefined;
  serverlessRequest?: number | undefined;
}

/** The prices the costs use, and where each came from. */
interface ResolvedPrices {
  instanceHour(instanceType: string): number | undefined;
  serverless(): { gbSecond: number; request: number } | undefined;
  /** What a candidate is priced with: the input's figure, the table's (sourced or an estimate), or none. */
  priceOf(candidate: RightSizeCandidate): CandidatePrice;
  source: PriceSource;
}

/** A table figure as a candidate's price: sourced when a public source gives it, else an estimate. */
function fromTable(figure: HostingPrice, unit: CandidatePrice['unit']): CandidatePrice {
  return {
    basis: figure.sources.length > 0 ? 'sourced' : 'estimate',
    usd: figure.usd,
    unit,
    sources: [...figure.sources],
  };
}

/** The table's prices for `region`, with the input's on top; `source` says which were used for `candidates`. */
export function resolvePrices(
  region: string,
  overrides: PriceOverrides | undefined,
  candidates: readonly MeasuredCandidate[],
): ResolvedPrices {
  const table = HOSTING_PRICES[region];
  const instanceHour = (type: string): number | undefined =>
    overrides?.instanceHour?.[type] ?? table?.instanceHour[type]?.usd;
  const serverless = () => {
    const gbSecond = overrides?.serverlessGbSecond ?? table?.serverlessGbSecond.usd;
    const request =
      overrides?.serverlessRequest ?? table?.serverlessRequest ?? (gbSecond !== undefined ? 0 : undefined);
    return gbSecond === undefined || request === undefined ? undefined : { gbSecond, request };
  };
  const priceOf = (candidate: RightSizeCandidate): CandidatePrice => {
    if (candidate.serverless !== undefined) {
      const input = overrides?.serverlessGbSecond;
      if (input !== undefined) return { basis: 'input', usd: input, unit: 'GB-second', sources: [] };
      return table !== undefined
        ? fromTable(table.serverlessGbSecond, 'GB-second')
        : { basis: 'none', usd: null, unit: 'GB-second', sources: [] };
    }
    const type = candidate.instanceType;
    const input = type === undefined ? undefined : overrides?.instanceHour?.[type];
    if (input !== undefined) return { basis: 'input', usd: input, unit: 'instance-hour', sources: [] };
    const figure = type === undefined ? undefined : table?.instanceHour[type];
    return figure !== undefined
      ? fromTable(figure, 'instance-hour')
      : { basis: 'none', usd: null, unit: 'instance-hour', sources: [] };
  };
  const overridden = new Set<string>();
  const sourced = new Set<string>();
  const estimated = new Set<string>();
  const unpriced = new Set<string>();
  const cited = new Set<string>();
  for (const { candidate } of candidates) {
    const name = candidate.serverless !== undefined ? 'serverless' : candidate.instanceType;
    if (name === undefined) continue;
    const price = priceOf(candidate);
    if (price.basis === 'input') overridden.add(name);
    else if (price.basis === 'sourced') sourced.add(name);
    else if (price.basis === 'estimate') estimated.add(name);
    else unpriced.add(name);
    for (const id of price.sources) cited.add(id);
    // The per-request price may come from the input while the compute price comes from the table.
    if (candidate.serverless !== undefined && overrides?.serverlessRequest !== undefined) overridden.add(name);
  }
  const fromTheTable = sourced.size + estimated.size;
  const kind = overridden.size > 0 ? (fromTheTable > 0 ? 'mixed' : 'input') : 'table';
  const sources = (Object.keys(HOSTING_PRICE_SOURCES) as HostingPriceSourceId[])
    .filter((id) => cited.has(id))
    .map((id) => ({ id, ...HOSTING_PRICE_SOURCES[id] }));
  return {
    instanceHour,
    serverless,
    priceOf,
    source: {
      kind,
      region,
      currency: 'USD',
      ...(kind !== 'input' ? { tableUrl: HOSTING_PRICES_URL, tableDate: HOSTING_PRICES_DATE } : {}),
      overridden: [...overridden],
      sourced: [...sourced],
      estimated: [...estimated],
      sources,
      unpriced: [...unpriced],
    },
  };
}

/** What the recommendation is measured against. */
interface RightSizeTarget {
  requestsPerSecond: number;
  safetyFactor: number;
  latencyThreshold: { percentile: LatencyPercentile; valueMs: number } | null;
}

/** The latency one serverless request is billed for, in seconds: SageMaker's ModelLatency, else the client's mean. */
function billedSeconds(measured: MeasuredCandidate): number | null {
  const ms = measured.modelLatencyMs ?? measured.latencyMs?.mean ?? null;
  return ms === null ? null : ms / 1000;
}

/** One candidate's figures, before its rank. */
export function costCandidate(
  measured: MeasuredCandidate,
  prices: ResolvedPrices,
  target: RightSizeTarget,
): Omit<RankedCandidate, 'rank'> {
  const { candidate } = measured;
  const base = {
    ...candidate,
    outcome: measured.outcome,
    price: prices.priceOf(candidate),
    ...(measured.failure !== undefined ? { failure: measured.failure } : {}),
    maxInvocations: measured.maxInvocations,
    latencyMs: measured.latencyMs,
    modelLatencyMs: measured.modelLatencyMs,
    cpuUtilization: measured.cpuUtilization,
    memoryUtilization: measured.memoryUtilization,
    steps: measured.steps,
    ...(measured.resultsUri !== undefined ? { resultsUri: measured.resultsUri } : {}),
  };
  const none = {
    requestsPerSecond: null,
    requestsPerSecondPerInstance: null,
    costPerHour: null,
    costPerInference: null,
    costPerMillionInferences: null,
    instanceCountForTarget: null,
    serverlessConcurrencyForTarget: null,
    costPerHourAtTarget: null,
  };
  if (measured.outcome !== 'tested' || measured.maxInvocations === null || measured.maxInvocations <= 0) {
    const why =
      measured.outcome === 'deployFailed'
        ? `it did not deploy: ${measured.failure?.cause ?? measured.failure?.error ?? 'unknown reason'}`
        : measured.outcome === 'testFailed'
          ? `its load test failed: ${measured.failure?.cause ?? measured.failure?.error ?? 'unknown reason'}`
          : `no step met the stopping conditions (${measured.stoppedBy ?? 'the first step failed'})`;
    return { ...base, ...none, meetsTarget: false, notMeetingBecause: why };
  }
  const requestsPerSecond = measured.maxInvocations / 60;
  const invocationsPerHour = measured.maxInvocations * 60;
  if (candidate.serverless !== undefined) {
    const seconds = billedSeconds(measured);
    const price = prices.serverless();
    const perInference =
      seconds === null || price === undefined
        ? null
        : seconds * (candidate.serverless.memorySizeInMB / 1024) * price.gbSecond + price.request;
    const concurrency =
      seconds === null ? null : Math.max(1, Math.ceil((target.requestsPerSecond * seconds) / target.safetyFactor));
    const meets = concurrency !== null && concurrency <= MAX_SERVERLESS_CONCURRENCY;
    return {
      ...base,
      requestsPerSecond,
      requestsPerSecondPerInstance: null,
      costPerHour: perInference === null ? null : perInference * invocationsPerHour,
      costPerInference: perInference,
      costPerMillionInferences: perInference === null ? null : perInference * 1_000_000,
      instanceCountForTarget: null,
      serverlessConcurrencyForTarget: concurrency,
      costPerHourAtTarget: perInference === null ? null : perInference * target.requestsPerSecond * 3600,
      meetsTarget: meets,
      ...(meets
        ? {}
        : {
            notMeetingBecause:
              concurrency === null
                ? 'no latency was measured to size its concurrency'
                : `the target needs a MaxConcurrency of ${concurrency}, over serverless's ${MAX_SERVERLESS_CONCURRENCY}`,
          }),
    };
  }
  const count = candidate.instanceCount ?? 1;
  const perInstance = requestsPerSecond / count;
  const hourPrice = candidate.instanceType !== undefined ? prices.instanceHour(candidate.instanceType) : undefined;
  const costPerHour = hourPrice === undefined ? null : hourPrice * count;
  const costPerInference = costPerHour === null ? null : costPerHour / invocationsPerHour;
  const instances = Math.max(1, Math.ceil(target.requestsPerSecond / (perInstance * target.safetyFactor)));
  const meets = instances <= MAX_VARIANT_INSTANCES;
  return {
    ...base,
    requestsPerSecond,
    requestsPerSecondPerInstance: perInstance,
    costPerHour,
    costPerInference,
    costPerMillionInferences: costPerInference === null ? null : costPerInference * 1_000_000,
    instanceCountForTarget: instances,
    serverlessConcurrencyForTarget: null,
    costPerHourAtTarget: hourPrice === undefined ? null : hourPrice * instances,
    meetsTarget: meets,
    ...(meets
      ? {}
      : {
          notMeetingBecause: `the target needs ${instances} instances, over SageMaker's ${MAX_VARIANT_INSTANCES} per variant`,
        }),
  };
}

/** Orders by a figure, unknown last. */
function byKnown(a: number | null, b: number | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  return a - b;
}

/** The candidates ranked: those with figures first (meeting the target, cheapest first), the others after. */
export function rankCandidates(costed: readonly Omit<RankedCandidate, 'rank'>[]): RankedCandidate[] {
  const withFigures = costed.filter((c) => c.requestsPerSecond !== null);
  const without = costed.filter((c) => c.requestsPerSecond === null);
  const ranked = [...withFigures].sort(
    (a, b) =>
      Number(b.meetsTarget) - Number(a.meetsTarget) ||
      byKnown(a.costPerHourAtTarget, b.costPerHourAtTarget) ||
      byKnown(a.costPerMillionInferences, b.costPerMillionInferences) ||
      a.index - b.index,
  );
  return [
    ...ranked.map((c, i) => ({ ...c, rank: i + 1 })),
    ...[...without].sort((a, b) => a.index - b.index).map((c) => ({ ...c, rank: null })),
  ];
}

/** The parts of the plan's DeployEndpoint template the ready input is made from. */
export interface DeployTemplate {
  model: Record<string, unknown> & { environment?: Record<string, string> | undefined; modelPackageArn?: string };
  healthCheck: RecommendedDeployment['healthCheck'];
}

/** The recommendation: the first ranked candidate that meets the target and has a price; null with why not. */
export function recommend(
  ranked: readonly RankedCandidate[],
  target: RightSizeTarget,
  template: DeployTemplate,
  endpointName: string,
): { recommendation: RightSizeRecommendation | null; noRecommendationBecause?: string } {
  const best = ranked.find((c) => c.meetsTarget && c.costPerHourAtTarget !== null);
  if (best === undefined) {
    const reason =
      ranked.length === 0
        ? 'no candidate was measured'
        : ranked.some((c) => c.meetsTarget)
          ? 'no candidate that meets the target has a price: give prices in the input'
          : `no candidate meets the target: ${ranked
              .map((c) => `${c.label}: ${c.notMeetingBecause ?? 'unknown'}`)
              .join('; ')}`;
    return { recommendation: null, noRecommendationBecause: reason };
  }
  const { environment: templateEnvironment, ...model } = template.model;
  const environment = { ...(templateEnvironment ?? {}), ...best.environment };
  const withEnvironment = {
    ...model,
    ...(Object.keys(environment).length > 0 && model.modelPackageArn === undefined ? { environment } : {}),
  };
  const threshold = target.latencyThreshold;
  const thresholdText = threshold === null ? '' : `, ${threshold.percentile} within ${threshold.valueMs} ms`;
  if (best.serverless !== undefined) {
    const serverless = {
      ...best.serverless,
      maxConcurrency: best.serverlessConcurrencyForTarget ?? best.serverless.maxConcurrency,
    };
    return {
      recommendation: {
        candidateIndex: best.index,
        label: best.label,
        serverless,
        environment: best.environment,
        costPerHour: best.costPerHourAtTarget,
        costPerMillionInferences: best.costPerMillionInferences,
        invocationsPerInstanceTarget: null,
        reason: `${best.label} is the cheapest candidate at ${target.requestsPerSecond} requests per second${thresholdText}: it sustained ${round(best.requestsPerSecond ?? 0)} per second; a MaxConcurrency of ${serverless.maxConcurrency} serves the target at a safety factor of ${target.safetyFactor}`,
        deployEndpointInput: readyInput({
          endpointName,
          model: withEnvironment as RecommendedDeployment['model'],
          variants: [{ name: 'AllTraffic', serverless }],
          healthCheck: template.healthCheck,
        }),
      },
    };
  }
  const instances = best.instanceCountForTarget ?? 1;
  const perInstance = best.requestsPerSecondPerInstance ?? 0;
  // AWS's formula: SageMakerVariantInvocationsPerInstance = MAX_RPS × SAFETY_FACTOR × 60 (DG endpoint-scaling-loadtest).
  const invocationsTarget = perInstance * target.safetyFactor * 60;
  return {
    recommendation: {
      candidateIndex: best.index,
      label: best.label,
      ...(best.instanceType !== undefined ? { instanceType: best.instanceType } : {}),
      instanceCount: instances,
      environment: best.environment,
      costPerHour: best.costPerHourAtTarget,
      costPerMillionInferences: best.costPerMillionInferences,
      invocationsPerInstanceTarget: invocationsTarget,
      reason: `${best.label} is the cheapest candidate at ${target.requestsPerSecond} requests per second${thresholdText}: one instance sustained ${round(perInstance)} per second, so ${instances} instance${instances === 1 ? '' : 's'} at a safety factor of ${target.safetyFactor}`,
      deployEndpointInput: readyInput({
        endpointName,
        model: withEnvironment as RecommendedDeployment['model'],
        variants: [{ name: 'AllTraffic', instanceType: best.instanceType as never, initialInstanceCount: instances }],
        healthCheck: template.healthCheck,
        autoScaling: {
          AllTraffic: {
            // Sized for the target at the safety factor; room for twice the target before the ceiling.
            minCapacity: instances,
            maxCapacity: Math.min(MAX_VARIANT_INSTANCES, instances * 2),
            targetTracking: {
              metric: 'SageMakerVariantInvocationsPerInstance',
              targetValue: Math.max(0.01, round(invocationsTarget)),
            },
          },
        },
      }),
    },
  };
}

/** The ready input as a user writes it (DeployEndpoint applies its defaults when it runs). */
function readyInput(input: RecommendedDeployment): RightSizeRecommendation['deployEndpointInput'] {
  return input as RightSizeRecommendation['deployEndpointInput'];
}

/** Two decimals, for figures a person reads and an input carries. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}
