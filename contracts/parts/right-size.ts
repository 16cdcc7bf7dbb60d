/**
 * Right-sizing contract parts: the candidates RightSizeEndpoint tries (instance types × instance counts × categorical
 * container environment ranges, plus serverless memory sizes, as Inference Recommender's Advanced job takes them),
 * the prices it costs them with, and its output (RightSizeReport): every candidate ranked with every figure, the
 * recommendation and the ready DeployEndpoint input, and where the prices came from. Figures carry Inference
 * Recommender's names in camelCase (maxInvocations = requests per minute sustained, modelLatencyMs, costPerHour,
 * costPerInference, cpuUtilization, memoryUtilization); cost per million inferences is costPerMillionInferences.
 * The report (HTML, Markdown) renders a RightSizeReport; keep this shape stable.
 */
import * as z from 'zod/mini';
import { environmentKey, integer, sageMakerName } from '../contract-parts.ts';
import { RIGHT_SIZE } from '../limits.ts';
import { AutoScalingByVariant } from './auto-scaling.ts';
import { HealthCheckSpec, ServerlessConfig, Variants } from './endpoint.ts';
import { LATENCY_PERCENTILES, LatencySummary } from './load-test.ts';
import { ModelSource } from './model.ts';
import { ReportFiles } from './report-files.ts';

// ---------------------------------------------------------------------------------------------
// What a user writes.
// ---------------------------------------------------------------------------------------------

/** A serverless variant's memory sizes (ServerlessConfig.MemorySizeInMB): 1024 to 6144 in steps of 1024. */
export const SERVERLESS_MEMORY_SIZES_MB = [1024, 2048, 3072, 4096, 5120, 6144] as const;

/** One categorical environment range: the values of one container environment variable to try. */
const environmentValues = z
  .array(z.string().check(z.maxLength(1024)))
  .check(z.minLength(1), z.maxLength(RIGHT_SIZE.maxEnvironmentCombinations));

/**
 * The candidates: every instance type × every instance count × every combination of the environment ranges, and
 * every serverless memory size × every combination of the environment ranges (Inference Recommender's
 * EndpointConfigurations with EnvironmentParameterRanges.CategoricalParameterRanges). The instance types are
 * checked against SageMaker's hosting list by the workflow's contract.
 */
export const RightSizeCandidates = z.strictObject({
  instanceTypes: z._default(z.array(z.string()).check(z.maxLength(RIGHT_SIZE.maxCandidates)), []),
  instanceCounts: z._default(z.array(integer(1, RIGHT_SIZE.maxInstanceCount)).check(z.minLength(1)), [1]),
  /** Serverless memory sizes to try (MB). */
  serverlessMemorySizesInMB: z._default(z.array(z.int()).check(z.maxLength(SERVERLESS_MEMORY_SIZES_MB.length)), []),
  /** The serverless candidates' MaxConcurrency (1-200). */
  serverlessMaxConcurrency: z._default(integer(1, 200), 20),
  /** Container environment variables and the values to try of each, e.g. SAGEMAKER_MODEL_SERVER_WORKERS: ["1", "2"]. */
  environmentRanges: z._default(z.record(environmentKey, environmentValues), {}),
});
export type RightSizeCandidates = z.output<typeof RightSizeCandidates>;

/** One candidate as the plan expands it: what its throwaway endpoint runs. */
export const RightSizeCandidate = z.object({
  /** 0-based, in the order of the expansion (instance types, then counts, then environment combinations; serverless last). */
  index: z.int(),
  /** `ml.c5.large × 2, SAGEMAKER_MODEL_SERVER_WORKERS=2`, or `serverless 2048 MB, ...`. */
  label: z.string(),
  instanceType: z.optional(z.string()),
  instanceCount: z.optional(z.int()),
  serverless: z.optional(ServerlessConfig),
  /** The environment this candidate sets on top of the model's own (empty when no ranges were given). */
  environment: z.record(z.string(), z.string()),
  /** The throwaway endpoint's name (`<prefix>-rs-<execution hash>-<index>`); its config and model share it. */
  endpointName: z.string(),
});
export type RightSizeCandidate = z.output<typeof RightSizeCandidate>;

/** Prices in USD: on-demand real-time hosting per instance-hour, and serverless per GB-second and per request. */
export const HostingPrices = z.strictObject({
  /** USD per instance-hour, by instance type (`ml.c5.large`). */
  instanceHour: z._default(z.record(z.string(), z.number().check(z.gte(0))), {}),
  /** USD per GB-second of serverless compute (billed by memory size × duration). */
  serverlessGbSecond: z.optional(z.number().check(z.gte(0))),
  /** USD per serverless request. */
  serverlessRequest: z.optional(z.number().check(z.gte(0))),
});
export type HostingPrices = z.output<typeof HostingPrices>;

// ---------------------------------------------------------------------------------------------
// What RightSizeEndpoint outputs (RightSizeReport): the report renders this.
// ---------------------------------------------------------------------------------------------

/** A public source of figures in the committed table (contracts/parts/hosting-prices.ts, HOSTING_PRICE_SOURCES). */
export const PriceCitation = z.object({
  /** The table's id for it, which candidates' `price.sources` name. */
  id: z.string(),
  /** `AWS`, or `third party`. */
  publisher: z.string(),
  title: z.string(),
  url: z.string(),
  /** The date the source states for its figures. */
  date: z.string(),
  /** The region the source states for its figures; null when it states none. */
  region: z.nullable(z.string()),
});
export type PriceCitation = z.output<typeof PriceCitation>;

/** Where the prices came from. */
export const PriceSource = z.object({
  /** `table`: contracts/parts/hosting-prices.ts; `input`: the execution input's `prices`; `mixed`: some of each. */
  kind: z.enum(['table', 'input', 'mixed']),
  region: z.string(),
  currency: z.literal('USD'),
  /** The page the table's prices are meant to match and the day the table was last checked, when it was used. */
  tableUrl: z.optional(z.string()),
  tableDate: z.optional(z.string()),
  /** Instance types (and `serverless`) priced from the input. */
  overridden: z.array(z.string()),
  /** Instance types (and `serverless`) priced from the table's figures that a public source gives (`sources`). */
  sourced: z.array(z.string()),
  /** Instance types (and `serverless`) priced from the table's estimates: figures no public source was found for. */
  estimated: z.array(z.string()),
  /** The public sources of the `sourced` figures, which candidates' `price.sources` name by id. */
  sources: z.array(PriceCitation),
  /** Candidates left without a price (neither the table nor the input had one): their cost figures are null. */
  unpriced: z.array(z.string()),
});
export type PriceSource = z.output<typeof PriceSource>;

/** One step of a candidate's load test, as the latency-vs-throughput chart draws it. */
export const CandidateStepPoint = z.object({
  step: z.int(),
  users: z.int(),
  requestsPerSecond: z.number(),
  /** Successful requests per minute (MaxInvocations of the step). */
  maxInvocations: z.number(),
  errorRate: z.number(),
  latencyMs: LatencySummary,
  passed: z.boolean(),
});
export type CandidateStepPoint = z.output<typeof CandidateStepPoint>;

/** How a candidate's test ended. */
const CandidateOutcome = z.enum([
  /** Tested: at least one step met the stopping conditions. */
  'tested',
  /** Tested, but the first step already broke a stopping condition: no sustained figure. */
  'noPassingStep',
  /** The throwaway endpoint did not deploy (SageMaker's FailureReason in `failure`). */
  'deployFailed',
  /** The endpoint deployed, the load test failed (`failure`). */
  'testFailed',
]);

/** What one candidate was priced with, and where that price came from. */
export const CandidatePrice = z.object({
  /**
   * `sourced`: the table's figure, which public sources give (`sources`); `estimate`: the table's figure, which no
   * public source was found for; `input`: the execution input's; `none`: no price was known.
   */
  basis: z.enum(['sourced', 'estimate', 'input', 'none']),
  /** USD per instance-hour (instance candidates) or per GB-second of compute (serverless); null with `none`. */
  usd: z.nullable(z.number()),
  unit: z.enum(['instance-hour', 'GB-second']),
  /** The ids of the sources (PriceSource.sources) that give the figure; empty unless `sourced`. */
  sources: z.array(z.string()),
});
export type CandidatePrice = z.output<typeof CandidatePrice>;

/** One candidate with every figure, as ranked. */
export const RankedCandidate = z.object({
  ...RightSizeCandidate.shape,
  outcome: CandidateOutcome,
  /** 1-based; candidates that meet the target come first, cheapest first; null for candidates without figures. */
  rank: z.nullable(z.int()),
  /** Why it failed: the error name and SageMaker's reason (FailureReason) or the load test's message. */
  failure: z.optional(z.object({ error: z.string(), cause: z.string() })),
  /** Successful requests per minute at the highest step that met the stopping conditions (MaxInvocations). */
  maxInvocations: z.nullable(z.number()),
  requestsPerSecond: z.nullable(z.number()),
  /** requestsPerSecond / instanceCount (instance candidates). */
  requestsPerSecondPerInstance: z.nullable(z.number()),
  /** Client-side latency at that step, and SageMaker's ModelLatency average there. */
  latencyMs: z.nullable(LatencySummary),
  modelLatencyMs: z.nullable(z.number()),
  /** CPU (100 per core) and memory utilization at that step, percent: averages over the step. */
  cpuUtilization: z.nullable(z.number()),
  memoryUtilization: z.nullable(z.number()),
  /** The price its costs use, and whether that price is sourced, an estimate or the input's. */
  price: CandidatePrice,
  /** Price of the candidate as tested: instanceCount × the instance-hour price; serverless: at its sustained rate. */
  costPerHour: z.nullable(z.number()),
  /** costPerHour / (maxInvocations × 60) (Inference Recommender's CostPerInference), and × 1,000,000. */
  costPerInference: z.nullable(z.number()),
  costPerMillionInferences: z.nullable(z.number()),
  /**
   * At the target: instances needed = ceil(targetRequestsPerSecond / (requestsPerSecondPerInstance × safetyFactor)),
   * each instance run at its sustained rate × safetyFactor (≤ 1) as AWS's autoscaling formula runs it (serverless:
   * the MaxConcurrency the target needs by Little's law, target × latency ÷ safetyFactor), and what they cost an hour.
   */
  instanceCountForTarget: z.nullable(z.int()),
  serverlessConcurrencyForTarget: z.nullable(z.int()),
  costPerHourAtTarget: z.nullable(z.number()),
  /** Its latency at the highest passing step met the threshold and the target is reachable within the caps. */
  meetsTarget: z.boolean(),
  /** Why it does not meet the target, when it does not. */
  notMeetingBecause: z.optional(z.string()),
  /** The candidate's steps, for the latency-vs-throughput chart. */
  steps: z.array(CandidateStepPoint),
  /** The load test's own results (merged histograms per step), when it ran. */
  resultsUri: z.optional(z.string()),
});
export type RankedCandidate = z.output<typeof RankedCandidate>;

/**
 * A ready DeployEndpoint input (workflows/deploy-endpoint/contract.ts parses it): the model with the candidate's
 * environment, its variant, the health check the candidates were warmed up with, and `autoScaling` on the
 * predefined invocations metric (instance candidates).
 */
export const RecommendedDeployment = z.object({
  endpointName: sageMakerName,
  model: ModelSource,
  variants: Variants,
  healthCheck: HealthCheckSpec,
  autoScaling: z.optional(AutoScalingByVariant),
});
export type RecommendedDeployment = z.input<typeof RecommendedDeployment>;

/** The recommendation: the cheapest candidate that meets the latency threshold at the target, sized for it. */
export const RightSizeRecommendation = z.object({
  candidateIndex: z.int(),
  label: z.string(),
  instanceType: z.optional(z.string()),
  /** Instances to deploy: instanceCountForTarget of the candidate. */
  instanceCount: z.optional(z.int()),
  serverless: z.optional(ServerlessConfig),
  environment: z.record(z.string(), z.string()),
  costPerHour: z.nullable(z.number()),
  costPerMillionInferences: z.nullable(z.number()),
  /**
   * The autoscaling target, SageMakerVariantInvocationsPerInstance = max RPS per instance × safety factor × 60
   * (AWS's formula, DG endpoint-scaling-loadtest), with max RPS the per-instance sustained rate; null for serverless.
   */
  invocationsPerInstanceTarget: z.nullable(z.number()),
  /** One sentence: why this candidate. */
  reason: z.string(),
  deployEndpointInput: RecommendedDeployment,
});
export type RightSizeRecommendation = z.output<typeof RightSizeRecommendation>;

/** RightSizeEndpoint's output. */
export const RightSizeReport = z.object({
  /** `load-test`: this project's load tests on throwaway endpoints; `inference-recommender`: an Advanced job. */
  engine: z.enum(['load-test', 'inference-recommender']),
  target: z.object({
    requestsPerSecond: z.number(),
    safetyFactor: z.number(),
    latencyThreshold: z.nullable(z.object({ percentile: z.enum(LATENCY_PERCENTILES), valueMs: z.number() })),
  }),
  prices: PriceSource,
  /** Every candidate, ranked first, then those without figures, in plan order. */
  candidates: z.array(RankedCandidate),
  /** null when no candidate meets the target (`noRecommendationBecause` says why). */
  recommendation: z.nullable(RightSizeRecommendation),
  noRecommendationBecause: z.optional(z.string()),
  /** The Inference Recommender job, with engine `inference-recommender`. */
  inferenceRecommenderJob: z.optional(z.object({ jobName: z.string(), jobArn: z.string() })),
  /** What a reader should know: figures measured on this machine (local runs), prices missing, ... */
  notes: z.array(z.string()),
  /** The rendered report and summary under the artifact bucket (reports/RightSizeEndpoint/<execution>/). */
  reportFiles: z.optional(ReportFiles),
});
export type RightSizeReport = z.output<typeof RightSizeReport>;

// ---------------------------------------------------------------------------------------------
// Between the steps: what each candidate's iteration hands on to the recommendation.
// ---------------------------------------------------------------------------------------------

/** One candidate as measured (SummarizeCandidate's output), before prices and ranking. */
export const MeasuredCandidate = z.object({
  candidate: RightSizeCandidate,
  outcome: CandidateOutcome,
  failure: z.optional(z.object({ error: z.string(), cause: z.string() })),
  /** The highest step that met the stopping conditions: its figures, null without one. */
  maxInvocations: z.nullable(z.number()),
  latencyMs: z.nullable(LatencySummary),
  modelLatencyMs: z.nullable(z.number()),
  cpuUtilization: z.nullable(z.number()),
  memoryUtilization: z.nullable(z.number()),
  /** The load test's verdict: what stopped it, for `notMeetingBecause`. */
  stoppedBy: z.optional(z.string()),
  steps: z.array(CandidateStepPoint),
  resultsUri: z.optional(z.string()),
});
export type MeasuredCandidate = z.output<typeof MeasuredCandidate>;
