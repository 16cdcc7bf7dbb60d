/**
 * Load-test contract parts: what a load test of an endpoint takes (payload samples, the targets of a multi-model,
 * multi-container or multi-variant endpoint, the traffic pattern, stopping conditions, hard caps and the live-traffic
 * guard), and what the load generators and the report hand on (the serialized latency histogram, the counts per time
 * window, a worker's result, a step's summary and the verdict). Figures carry Inference Recommender's names
 * (MaxInvocations = requests per minute sustained, ModelLatency, CpuUtilization, MemoryUtilization), camelCase.
 * LoadTestEndpoint takes a LoadTestRequest as its input; RightSizeEndpoint builds one per candidate.
 */
import * as z from 'zod/mini';
import { headerValue, integer, sageMakerName, utf8Bytes } from '../contract-parts.ts';
import { INVOKE_ENDPOINT_BODY_BYTES, LOAD_TEST } from '../limits.ts';
import { patternSteps } from '../load-pattern.ts';
import { ContainerHostname } from './containers.ts';
import { TargetModel } from './multi-model.ts';
import { ReportFiles } from './report-files.ts';
import { s3Uri } from './s3.ts';

/** A relative weight: how often one choice is taken against the others. */
const weight = z._default(z.number().check(z.gt(0), z.lte(1_000_000)), 1);

/**
 * One payload sample: a body written inline, or every object under an S3 prefix (each object one sample, the
 * entry's weight shared equally between them). Sent with its content type and accept header; the samples are drawn
 * at random in proportion to their weights.
 */
export const LoadTestSample = z
  .strictObject({
    /** The request body, as text. */
    body: z.optional(
      z
        .string()
        .check(
          z.refine(
            (body) => utf8Bytes(body) <= INVOKE_ENDPOINT_BODY_BYTES.realTime,
            `expected at most ${INVOKE_ENDPOINT_BODY_BYTES.realTime} bytes (InvokeEndpoint's 6 MB limit)`,
          ),
        ),
    ),
    /** Objects to send as they are (binary bodies included); they must be in one of the stack's artifact buckets. */
    s3Prefix: z.optional(s3Uri({ kind: 'prefix', example: 's3://my-bucket/load-samples/' })),
    contentType: headerValue,
    accept: z.optional(headerValue),
    weight,
  })
  .check(
    z.superRefine((sample, ctx) => {
      if ((sample.body === undefined) === (sample.s3Prefix === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'expected exactly one of body or s3Prefix', input: sample });
      }
    }),
  );
export type LoadTestSample = z.output<typeof LoadTestSample>;

/** A model of a multi-model endpoint and how often it is invoked against the others. */
const TargetModelShare = z.strictObject({ targetModel: TargetModel, weight });

/** Phases, as Inference Recommender's: each starts with `initialUsers` and adds `spawnRate` users a minute. */
const LoadPhase = z.strictObject({
  initialUsers: integer(1, LOAD_TEST.maxUsersPerStep),
  /** Users added per minute during the phase (Inference Recommender's SpawnRate). */
  spawnRate: z._default(integer(0, LOAD_TEST.maxUsersPerStep), 0),
  durationSeconds: integer(1, LOAD_TEST.maxPatternSeconds),
});

/** Stairs: step k (1-based) runs k × usersPerStep users for stepSeconds. */
const LoadStairs = z.strictObject({
  usersPerStep: integer(1, LOAD_TEST.maxUsersPerStep),
  steps: integer(1, LOAD_TEST.maxSteps),
  stepSeconds: integer(1, LOAD_TEST.maxPatternSeconds),
});

/** The traffic pattern: phases or stairs; each phase or stair is one step of the report. */
export const TrafficPattern = z
  .strictObject({
    phases: z.optional(z.array(LoadPhase).check(z.minLength(1), z.maxLength(LOAD_TEST.maxSteps))),
    stairs: z.optional(LoadStairs),
  })
  .check(
    z.superRefine((pattern, ctx) => {
      if ((pattern.phases === undefined) === (pattern.stairs === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'expected exactly one of phases or stairs', input: pattern });
      }
    }),
  );
export type TrafficPattern = z.output<typeof TrafficPattern>;

/** The latency percentiles a threshold may name (client-side, from the merged histograms). */
export const LATENCY_PERCENTILES = ['P50', 'P90', 'P95', 'P99'] as const;
export type LatencyPercentile = (typeof LATENCY_PERCENTILES)[number];

/** When to stop climbing the pattern: the first step that breaks a condition ends the test. */
export const StoppingConditions = z.strictObject({
  /** The step fails when this client-side percentile of successful requests is above `valueMs`. */
  latencyThreshold: z.optional(
    z.strictObject({
      percentile: z.enum(LATENCY_PERCENTILES, { error: 'expected P50, P90, P95 or P99' }),
      valueMs: z.number().check(z.gt(0), z.lte(3_600_000)),
    }),
  ),
  /** The step fails when more than this share of its requests failed (throttled ones included). */
  maxErrorRate: z._default(z.number().check(z.gte(0), z.lte(1)), 0.01),
  /** Requests per minute (Inference Recommender's MaxInvocations): a step that sustains this meets the target. */
  maxInvocations: z.optional(integer(1, 1_000_000_000)),
});
export type StoppingConditions = z.output<typeof StoppingConditions>;

/** Hard caps of one test, at most LOAD_TEST's. */
const LoadTestCaps = z.strictObject({
  maxPatternSeconds: z._default(integer(1, LOAD_TEST.maxPatternSeconds), LOAD_TEST.maxPatternSeconds),
  maxTotalInvocations: z._default(integer(1, LOAD_TEST.maxTotalInvocations), LOAD_TEST.defaultTotalInvocations),
});

/** How the load is generated and read. */
const LoadTestOptions = z.strictObject({
  /** Users one load-generator function runs. */
  usersPerWorker: z._default(integer(1, LOAD_TEST.maxUsersPerWorker), LOAD_TEST.defaultUsersPerWorker),
  /**
   * Every worker of a step starts at the same moment, this long after the step is planned (cold starts). A slice of
   * one worker has nothing to synchronise and starts at once.
   */
  startLeadSeconds: z._default(integer(1, 20), 5),
  /** The counts by status, error and throttling are kept per window of this many seconds. */
  windowSeconds: z._default(integer(1, 60), 10),
  /** A request unanswered after this long counts as a client timeout (InvokeEndpoint's own limit is 60 s). */
  requestTimeoutSeconds: z._default(integer(1, 60), 60),
  /** The period of the CloudWatch figures; SageMaker publishes endpoint metrics every minute. */
  metricsPeriodSeconds: z._default(
    z.union([z.literal(1), z.literal(5), z.literal(10), z.literal(30), z.literal(60)]),
    60,
  ),
  /** How long to wait after the last step before reading CloudWatch, which shows a minute's figures after a delay. */
  metricsDelaySeconds: z._default(integer(0, 900), 150),
});
/** The caps a load test runs under when the input sets none (LoadTestEndpoint and RightSizeEndpoint alike). */
export const LoadTestCapsOrDefaults = z._default(LoadTestCaps, {
  maxPatternSeconds: LOAD_TEST.maxPatternSeconds,
  maxTotalInvocations: LOAD_TEST.defaultTotalInvocations,
});

/** The generator's options when the input sets none (LoadTestEndpoint and RightSizeEndpoint alike). */
export const LoadTestOptionsOrDefaults = z._default(LoadTestOptions, {
  usersPerWorker: LOAD_TEST.defaultUsersPerWorker,
  startLeadSeconds: 5,
  windowSeconds: 10,
  requestTimeoutSeconds: 60,
  metricsPeriodSeconds: 60,
  metricsDelaySeconds: 150,
});

/**
 * The live-traffic guard's second half (the first is LoadTestEndpoint's typed confirmation): the endpoint must have
 * served at most `maxRecentInvocations` in the `lookbackMinutes` before the test (CloudWatch Invocations), unless
 * this very execution created it (its `sagemaker-workflows:execution` tag names this execution).
 */
const LiveTrafficGuard = z.strictObject({
  lookbackMinutes: z._default(integer(1, 60), 10),
  maxRecentInvocations: z._default(integer(0, 1_000_000_000), 0),
});

const PHASES_PATH = ['pattern', 'phases'];

/** The fields of a load test of one endpoint. */
const loadTestRequestFields = {
  endpointName: sageMakerName,
  samples: z.array(LoadTestSample).check(z.minLength(1), z.maxLength(LOAD_TEST.maxSamples)),
  /** A multi-model endpoint: the models to invoke, each request drawing one in proportion to the weights. */
  targetModels: z.optional(z.array(TargetModelShare).check(z.minLength(1), z.maxLength(100))),
  /** A multi-container endpoint invoked per container (Direct): the container to load. */
  targetContainerHostname: z.optional(ContainerHostname),
  /** An endpoint of several variants: load this one only. @default - SageMaker spreads requests by weight */
  targetVariant: z.optional(sageMakerName),
  pattern: TrafficPattern,
  stoppingConditions: z._default(StoppingConditions, { maxErrorRate: 0.01 }),
  caps: LoadTestCapsOrDefaults,
  options: LoadTestOptionsOrDefaults,
  liveTrafficGuard: z._default(LiveTrafficGuard, { lookbackMinutes: 10, maxRecentInvocations: 0 }),
};

type LoadTestRequestFields = z.output<z.ZodMiniObject<typeof loadTestRequestFields>>;

/**
 * The pattern fits the caps: its length, the users of each step and the load generators they need. RightSizeEndpoint
 * runs it on its own input, whose `pattern`, `caps` and `options` are the same fields.
 */
export function checkPattern(request: LoadTestRequestFields, ctx: z.core.$RefinementCtx<LoadTestRequestFields>) {
  const steps = patternSteps(request.pattern);
  const seconds = steps.reduce((sum, step) => sum + step.durationSeconds, 0);
  if (seconds > request.caps.maxPatternSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: ['pattern'],
      message: `expected at most ${request.caps.maxPatternSeconds} s in all (caps.maxPatternSeconds); this pattern runs ${seconds} s`,
      input: seconds,
    });
  }
  for (const [index, step] of steps.entries()) {
    const path = request.pattern.stairs !== undefined ? ['pattern', 'stairs'] : [...PHASES_PATH, index];
    if (step.users > LOAD_TEST.maxUsersPerStep) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `expected at most ${LOAD_TEST.maxUsersPerStep} users in a step; step ${index + 1} reaches ${step.users}`,
        input: step.users,
      });
      return;
    }
    const workers = Math.ceil(step.users / request.options.usersPerWorker);
    if (workers > LOAD_TEST.maxWorkersPerStep) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `expected at most ${LOAD_TEST.maxWorkersPerStep} load generators in a step; step ${index + 1} needs ${workers} (${step.users} users at options.usersPerWorker ${request.options.usersPerWorker})`,
        input: step.users,
      });
      return;
    }
  }
}

/** A load test of one endpoint: what the load-test steps run (RightSizeEndpoint builds one per candidate). */
export const LoadTestRequest = z.strictObject(loadTestRequestFields).check(z.superRefine(checkPattern));

/** A load test's fields and `extra` ones (a workflow's own, such as LoadTestEndpoint's confirmation), checked alike. */
export function loadTestRequestWith<Extra extends z.core.$ZodShape>(extra: Extra) {
  return z
    .strictObject({ ...loadTestRequestFields, ...extra })
    .check(z.superRefine((request, ctx) => checkPattern(request as LoadTestRequestFields, ctx as never)));
}
export type LoadTestRequest = z.output<typeof LoadTestRequest>;

/** A latency histogram as a worker hands it on (tasks/_shared/latency-histogram.ts reads and writes it). */
export const SerializedLatencyHistogram = z.strictObject({
  unit: z.literal('microseconds'),
  /** log2 of the buckets per power of two: 7, so no bucket is wider than 1/128 of its lower bound. */
  subBucketBits: z.int(),
  count: z.int(),
  /** Exact smallest, largest and total latency recorded, in µs. */
  min: z.number(),
  max: z.number(),
  sum: z.number(),
  /** Run-length coded counts: a positive number is the next bucket's count, a negative one skips empty buckets. */
  buckets: z.array(z.int()),
});
export type SerializedLatencyHistogram = z.output<typeof SerializedLatencyHistogram>;

/** Counts by outcome: requests that got an answer or failed, by HTTP status and by error. */
export const OutcomeCounts = z.object({
  requests: z.int(),
  succeeded: z.int(),
  /** Answered 429 or ThrottlingException. */
  throttled: z.int(),
  /** HTTP statuses answered (`"200"`, `"424"`), and `"none"` for no answer. */
  statuses: z.record(z.string(), z.int()),
  /**
   * Failures by error: SageMaker's error code (`ModelError`, `ValidationError`, ...), a model's own status inside a
   * ModelError (`ModelError 500`), or a client-side failure (`Timeout`, `ECONNRESET`).
   */
  errors: z.record(z.string(), z.int()),
});
export type OutcomeCounts = z.output<typeof OutcomeCounts>;

/** Requests and successes per TargetModel of a multi-model endpoint. */
export const TargetModelCounts = z.record(z.string(), z.object({ requests: z.int(), succeeded: z.int() }));
export type TargetModelCounts = z.output<typeof TargetModelCounts>;

/** The counts of one time window of a step (requests counted in the window they ended in). */
export const WindowCounts = z.object({
  ...OutcomeCounts.shape,
  /** Seconds from the start of the step to the start of the window. */
  startSecond: z.number(),
});
export type WindowCounts = z.output<typeof WindowCounts>;

/** What one load-generator function measured in one slice of one step (written to S3 as JSON). */
export const WorkerResult = z.object({
  ...OutcomeCounts.shape,
  step: z.int(),
  slice: z.int(),
  worker: z.int(),
  users: z.int(),
  /** When the slice was to start (the sole worker of a slice: when it was started) and when it began sending (epoch ms). */
  startAt: z.number(),
  startedAt: z.number(),
  /** How much later than `startAt` the worker began: a slow start means fewer users for that long. */
  lateStartMs: z.number(),
  endedAt: z.number(),
  /** The worker stopped early: its share of caps.maxTotalInvocations was used up. */
  budgetExhausted: z.boolean(),
  /** Latencies of successful requests. */
  latency: SerializedLatencyHistogram,
  windows: z.array(WindowCounts),
  /** A multi-model endpoint's requests by TargetModel. */
  targetModels: z.optional(TargetModelCounts),
});
export type WorkerResult = z.output<typeof WorkerResult>;

/** Client-side latency of successful requests, in milliseconds, from the merged histogram. */
export const LatencySummary = z.object({
  p50: z.nullable(z.number()),
  p90: z.nullable(z.number()),
  p95: z.nullable(z.number()),
  p99: z.nullable(z.number()),
  min: z.nullable(z.number()),
  max: z.nullable(z.number()),
  mean: z.nullable(z.number()),
});
export type LatencySummary = z.output<typeof LatencySummary>;

/** An average and a maximum over a step's CloudWatch periods; null where CloudWatch had no data. */
const AverageAndMaximum = z.object({ average: z.nullable(z.number()), maximum: z.nullable(z.number()) });

/** SageMaker's own figures of one variant over one step, from CloudWatch GetMetricData. */
export const VariantMetrics = z.object({
  variantName: z.string(),
  /** AWS/SageMaker Invocations (sum), Invocation4XXErrors and Invocation5XXErrors (sums). */
  invocations: z.nullable(z.number()),
  invocation4xxErrors: z.nullable(z.number()),
  invocation5xxErrors: z.nullable(z.number()),
  /** AWS/SageMaker ModelLatency and OverheadLatency, converted from µs to ms. */
  modelLatencyMs: AverageAndMaximum,
  overheadLatencyMs: AverageAndMaximum,
  /** /aws/sagemaker/Endpoints CPUUtilization and MemoryUtilization, percent (CPU: 100 per core). */
  cpuUtilization: AverageAndMaximum,
  memoryUtilization: AverageAndMaximum,
});
export type VariantMetrics = z.output<typeof VariantMetrics>;

/** Why a step ended the test, or why the test stopped climbing. */
export const StopReason = z.enum([
  'latencyThreshold',
  'maxErrorRate',
  'maxInvocations',
  'maxTotalInvocations',
  'patternComplete',
]);
export type StopReason = z.output<typeof StopReason>;

/** One step of the pattern, as the report gives it. */
export const LoadStepSummary = z.object({
  ...OutcomeCounts.shape,
  /** 0-based. */
  step: z.int(),
  users: z.int(),
  durationSeconds: z.number(),
  /** When the step's load began and ended (epoch ms), the window its CloudWatch figures are read over. */
  startedAt: z.number(),
  endedAt: z.number(),
  workers: z.int(),
  /** Workers that began more than a second late, and the latest start. */
  lateWorkers: z.int(),
  maxLateStartMs: z.number(),
  /** Successful requests per minute sustained over the step (Inference Recommender's MaxInvocations). */
  maxInvocations: z.number(),
  requestsPerSecond: z.number(),
  /** Failed requests (throttled included) over all requests. */
  errorRate: z.number(),
  latencyMs: LatencySummary,
  /** A multi-model endpoint's requests by TargetModel: how the distribution came out. */
  targetModels: z.optional(TargetModelCounts),
  /** The step met every stopping condition over its whole duration. */
  passed: z.boolean(),
  /** The stopping condition the step broke, or `maxInvocations` when it met that target. */
  stoppedBy: z.optional(z.strictObject({ condition: StopReason, detail: z.string() })),
  /** SageMaker's figures per variant (ReportLoadTest adds them). */
  sageMaker: z.optional(z.array(VariantMetrics)),
});
export type LoadStepSummary = z.output<typeof LoadStepSummary>;

/** The verdict: the highest step that met the stopping conditions, and what stopped the test above it. */
export const LoadTestVerdict = z.object({
  /** 0-based index of the highest step that met every condition, or null when the first step already failed. */
  highestPassingStep: z.nullable(z.int()),
  /** That step's figures: MaxInvocations (per minute), users, client latency, SageMaker's ModelLatency average. */
  maxInvocations: z.nullable(z.number()),
  users: z.nullable(z.int()),
  latencyMs: z.nullable(LatencySummary),
  modelLatencyMs: z.nullable(z.number()),
  stoppedBy: z.strictObject({ step: z.nullable(z.int()), condition: StopReason, detail: z.string() }),
});
export type LoadTestVerdict = z.output<typeof LoadTestVerdict>;

/** A variant of the endpoint under test: its instances as configured, or serverless. */
export const TestedVariantSummary = z.object({
  variantName: z.string(),
  instanceType: z.optional(z.string()),
  instanceCount: z.optional(z.int()),
  serverless: z.boolean(),
});
export type TestedVariantSummary = z.output<typeof TestedVariantSummary>;

/**
 * The report of a load test: LoadTestEndpoint's output, and what the load-test fragment leaves at
 * `$.loadTest.report`. Under `resultsUri`, `step-<k>/merged.json` holds each step's merged latency histogram and
 * time windows, and `step-<k>/slice-<j>/worker-<i>.json` each worker's own result.
 */
export const LoadTestReport = z.object({
  endpointName: z.string(),
  variants: z.array(TestedVariantSummary),
  steps: z.array(LoadStepSummary),
  verdict: LoadTestVerdict,
  /** Why SageMaker's figures are missing or may be incomplete, when they are. */
  metricsNote: z.optional(z.string()),
  resultsUri: z.string(),
  /** LoadTestEndpoint's output: where its HTML report and Markdown summary are (WriteLoadTestReport wrote them). */
  reportFiles: z.optional(ReportFiles),
});
export type LoadTestReport = z.output<typeof LoadTestReport>;
