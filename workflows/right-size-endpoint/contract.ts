/**
 * The RightSizeEndpoint contract: a model (as DeployEndpoint takes it), the candidates to deploy and measure
 * (contracts/parts/right-size.ts), the load test each runs (LoadTestEndpoint's parts: samples, pattern, stopping
 * conditions, caps, options), the target rate with its safety factor, and the prices. Every check that can be made
 * before anything is created is made here, so the first state refuses it naming the field.
 */
import * as z from 'zod/mini';
import { instanceTypeOf, integer, SAGEMAKER_NAME_PATTERN, utf8Bytes } from '../../contracts/contract-parts.ts';
import { INVOKE_ENDPOINT_BODY_BYTES, LOAD_TEST, RIGHT_SIZE } from '../../contracts/limits.ts';
import { DeploymentTags, DeploymentWait } from '../../contracts/parts/endpoint.ts';
import { HOSTING_PRICES, PRICED_REGIONS } from '../../contracts/parts/hosting-prices.ts';
import { HOSTING_INSTANCE_TYPES } from '../../contracts/parts/instance-type-values.ts';
import {
  checkPattern,
  LoadTestCapsOrDefaults,
  LoadTestOptionsOrDefaults,
  LoadTestSample,
  StoppingConditions,
  TrafficPattern,
} from '../../contracts/parts/load-test.ts';
import { ModelSource } from '../../contracts/parts/model.ts';
import { HostingPrices, RightSizeCandidates, SERVERLESS_MEMORY_SIZES_MB } from '../../contracts/parts/right-size.ts';

/** The candidates' instance types, each one SageMaker hosts. */
const CandidatesInput = z.strictObject({
  ...RightSizeCandidates.shape,
  instanceTypes: z._default(
    z
      .array(instanceTypeOf(HOSTING_INSTANCE_TYPES, 'a hosting'))
      .check(z.maxLength(RIGHT_SIZE.maxCandidates, `expected at most ${RIGHT_SIZE.maxCandidates} instance types`)),
    [],
  ),
  serverlessMemorySizesInMB: z._default(
    z
      .array(
        z
          .int()
          .check(
            z.refine(
              (mb) => (SERVERLESS_MEMORY_SIZES_MB as readonly number[]).includes(mb),
              `expected one of ${SERVERLESS_MEMORY_SIZES_MB.join(', ')} (ServerlessConfig.MemorySizeInMB)`,
            ),
          ),
      )
      .check(z.maxLength(SERVERLESS_MEMORY_SIZES_MB.length)),
    [],
  ),
});

/** The number of environment combinations the ranges make (1 with no ranges). */
function environmentCombinationCount(ranges: Readonly<Record<string, readonly string[]>>): number {
  return Object.values(ranges).reduce((product, values) => product * values.length, 1);
}

/** The number of candidates the input's ranges expand to. */
function candidateCount(c: z.output<typeof CandidatesInput>): number {
  const combinations = environmentCombinationCount(c.environmentRanges);
  return (c.instanceTypes.length * c.instanceCounts.length + c.serverlessMemorySizesInMB.length) * combinations;
}

/** What Inference Recommender's Advanced job takes (API CreateInferenceRecommendationsJob, ModelLatencyThreshold). */
const RECOMMENDER = { maxEndpointConfigurations: 10, percentiles: ['P95', 'P99'] } as const;

/**
 * engine "inference-recommender": a model package (the job reads its image, artifact and sample payload), at most
 * 10 endpoint configurations, no burstable t2 (DG inference-recommender-troubleshooting), a P95 or P99 threshold,
 * and no instance counts (the job chooses them).
 */
function recommenderFits(
  input: {
    model: { modelPackageArn?: string | undefined };
    candidates: z.output<typeof CandidatesInput>;
    stoppingConditions: { latencyThreshold?: { percentile: string } | undefined };
  },
  ctx: { addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string; input: unknown }): void },
) {
  const why = 'with engine inference-recommender';
  if (input.model.modelPackageArn === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['model', 'modelPackageArn'],
      message: `expected a model package ${why}: the job reads the package's image, artifact and sample payload`,
      input: undefined,
    });
  }
  const configurations = input.candidates.instanceTypes.length + input.candidates.serverlessMemorySizesInMB.length;
  if (configurations > RECOMMENDER.maxEndpointConfigurations) {
    ctx.addIssue({
      code: 'custom',
      path: ['candidates'],
      message: `expected at most ${RECOMMENDER.maxEndpointConfigurations} instance types and serverless sizes ${why}; got ${configurations}`,
      input: configurations,
    });
  }
  for (const [i, type] of input.candidates.instanceTypes.entries()) {
    if (type.startsWith('ml.t2.')) {
      ctx.addIssue({
        code: 'custom',
        path: ['candidates', 'instanceTypes', i],
        message: `Inference Recommender does not test burstable t2 instances; remove ${type} or use engine load-test`,
        input: type,
      });
    }
  }
  if (input.candidates.instanceCounts.length !== 1 || input.candidates.instanceCounts[0] !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['candidates', 'instanceCounts'],
      message: `expected none ${why}: the job chooses the instance count itself`,
      input: input.candidates.instanceCounts,
    });
  }
  const percentile = input.stoppingConditions.latencyThreshold?.percentile;
  if (percentile !== undefined && !(RECOMMENDER.percentiles as readonly string[]).includes(percentile)) {
    ctx.addIssue({
      code: 'custom',
      path: ['stoppingConditions', 'latencyThreshold', 'percentile'],
      message: `expected P95 or P99 ${why} (ModelLatencyThreshold.Percentile)`,
      input: percentile,
    });
  }
}

/** The execution input of RightSizeEndpoint. */
export const RightSizeEndpointInput = z
  .strictObject({
    /**
     * The start of each throwaway endpoint's name, `<prefix>-rs-<execution hash>-<index>`; its config and model share
     * the name.
     */
    endpointNamePrefix: z._default(
      z
        .string()
        .check(
          z.maxLength(RIGHT_SIZE.maxNamePrefixLength),
          z.regex(SAGEMAKER_NAME_PATTERN, 'expected letters, digits and hyphens, starting with a letter or digit'),
        ),
      'right-size',
    ),
    model: ModelSource,
    candidates: CandidatesInput,
    /** The payloads each candidate is loaded with (LoadTestEndpoint's samples); inline ones also warm it up. */
    samples: z.array(LoadTestSample).check(z.minLength(1), z.maxLength(LOAD_TEST.maxSamples)),
    pattern: TrafficPattern,
    stoppingConditions: StoppingConditions,
    caps: LoadTestCapsOrDefaults,
    options: LoadTestOptionsOrDefaults,
    /** The rate the recommendation must serve, in requests per second. */
    targetRequestsPerSecond: z.number().check(z.gt(0, 'expected a rate above 0'), z.lte(1_000_000)),
    /**
     * The share of an instance's sustained rate to plan on (AWS's SAFETY_FACTOR of DG endpoint-scaling-loadtest):
     * 0.5 runs each instance at half what it sustained.
     */
    safetyFactor: z._default(z.number().check(z.gt(0), z.lte(RIGHT_SIZE.maxSafetyFactor)), 0.5),
    /** The region whose prices apply. @default - the region the workflow runs in */
    region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as us-east-1'))),
    /** Prices that replace the table's (contracts/parts/hosting-prices.ts), for any instance type or serverless. */
    prices: z.optional(HostingPrices),
    /** Candidates deployed and tested at once. */
    maxConcurrency: z._default(integer(1, RIGHT_SIZE.maxConcurrentCandidates), RIGHT_SIZE.defaultConcurrentCandidates),
    /** Invocations each candidate gets before its load test (through DeployEndpoint's health check). */
    warmUpInvocations: z._default(integer(1, 1000), 10),
    /** How each candidate's deployment is waited for (DeployEndpoint's `wait`). */
    wait: DeploymentWait,
    /** Tags of the user's on every throwaway resource, besides the project's own. */
    tags: DeploymentTags,
    /**
     * `load-test`: this project's load tests on throwaway endpoints. `inference-recommender` (AWS only): the same
     * candidates through SageMaker Inference Recommender's Advanced job.
     */
    engine: z._default(z.enum(['load-test', 'inference-recommender']), 'load-test'),
  })
  .check(
    // The pattern's length, users and load generators against the caps, as LoadTestEndpoint checks them.
    z.superRefine((input, ctx) => checkPattern(input as never, ctx as never)),
    z.superRefine((input, ctx) => {
      const count = candidateCount(input.candidates);
      const combinations = environmentCombinationCount(input.candidates.environmentRanges);
      if (combinations > RIGHT_SIZE.maxEnvironmentCombinations) {
        ctx.addIssue({
          code: 'custom',
          path: ['candidates', 'environmentRanges'],
          message: `expected at most ${RIGHT_SIZE.maxEnvironmentCombinations} combinations of environment values; these ranges make ${combinations}`,
          input: combinations,
        });
      } else if (count === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['candidates'],
          message: 'expected at least one candidate: give instanceTypes or serverlessMemorySizesInMB',
          input: 0,
        });
      } else if (count > RIGHT_SIZE.maxCandidates) {
        ctx.addIssue({
          code: 'custom',
          path: ['candidates'],
          message: `expected at most ${RIGHT_SIZE.maxCandidates} candidates; these ranges expand to ${count} (instance types × counts × environment combinations, plus serverless sizes × combinations)`,
          input: count,
        });
      }
      if (input.stoppingConditions.latencyThreshold === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['stoppingConditions', 'latencyThreshold'],
          message: 'expected a latency threshold: the recommendation is the cheapest candidate that meets it',
          input: undefined,
        });
      }
      if (input.candidates.serverlessMemorySizesInMB.length > 0) {
        for (const [i, sample] of input.samples.entries()) {
          if (sample.body !== undefined && utf8Bytes(sample.body) > INVOKE_ENDPOINT_BODY_BYTES.serverless) {
            ctx.addIssue({
              code: 'custom',
              path: ['samples', i, 'body'],
              message: `expected at most ${INVOKE_ENDPOINT_BODY_BYTES.serverless} bytes: serverless candidates take 4 MB (InvokeEndpoint's serverless limit)`,
              input: utf8Bytes(sample.body),
            });
          }
        }
      }
      if (!input.samples.some((s) => s.body !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['samples'],
          message: 'expected at least one inline sample (body): each candidate is warmed up with the inline samples',
          input: input.samples.length,
        });
      }
      if (input.engine === 'inference-recommender') recommenderFits(input, ctx);
      if (input.region !== undefined && HOSTING_PRICES[input.region] === undefined) {
        const priced = input.prices;
        const missing = input.candidates.instanceTypes.filter((t) => priced?.instanceHour[t] === undefined);
        const serverlessMissing =
          input.candidates.serverlessMemorySizesInMB.length > 0 && priced?.serverlessGbSecond === undefined;
        if (missing.length > 0 || serverlessMissing) {
          ctx.addIssue({
            code: 'custom',
            path: ['region'],
            message: `expected one of ${PRICED_REGIONS.join(', ')} (the regions the price table covers), or prices for every candidate (prices.instanceHour: ${[...missing, ...(serverlessMissing ? ['serverlessGbSecond'] : [])].join(', ')} missing)`,
            input: input.region,
          });
        }
      }
    }),
  );

/** The validated input with defaults applied. */
export type RightSizeEndpointRequest = z.output<typeof RightSizeEndpointInput>;
