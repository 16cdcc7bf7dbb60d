/**
 * The numbers AWS (or this project) limits a workflow input by, whatever the workflow: one place for each, so a
 * contract, the first state and a message quote the same figure. Plain values, no zod: anything may import them.
 */

/**
 * Step Functions refuses an execution input, and any state's payload, over 256 KiB of UTF-8 JSON
 * (Step Functions quotas: "Maximum input or output size for a task, state, or execution").
 */
export const MAX_INPUT_BYTES = 256 * 1024;

/** SageMaker keeps at most 50 tags on a resource (API model: TagList max 50). */
export const MAX_TAGS_PER_RESOURCE = 50;

/** The user's tags on what a deployment creates: SageMaker's 50 less room for this project's own tags. */
export const MAX_USER_TAGS = 40;

/**
 * A model container's Environment (CreateModel ContainerDefinition): at most 100 variables (API model:
 * EnvironmentMap max 100); each name and value at most 1024 bytes, and all names and values of one model,
 * every container's together, at most 32 KB (API reference, ContainerDefinition.Environment). AWS does not
 * say whether a KB is 1000 or 1024 bytes; 32 KiB is taken.
 */
export const MODEL_ENVIRONMENT = { maxVariables: 100, maxEntryBytes: 1024, maxTotalBytes: 32 * 1024 } as const;

/**
 * A transform job's Environment (CreateTransformJob): at most 16 variables, names of at most 1024 characters,
 * values of at most 10240 (API model: TransformEnvironmentMap, TransformEnvironmentKey, TransformEnvironmentValue).
 */
export const TRANSFORM_ENVIRONMENT = { maxVariables: 16, maxKeyLength: 1024, maxValueLength: 10240 } as const;

/**
 * The sizes SageMaker's deployment guardrails take, in percent of a variant's instance count (API reference:
 * TrafficRoutingConfig.CanarySize "less than or equal to 50%", LinearStepSize "10-50%"; RollingUpdatePolicy
 * MaximumBatchSize "between 5% to 50%"; DG deployment-guardrails-blue-green-canary and -linear say the same).
 */
export const GUARDRAIL_PERCENT = {
  canarySize: { min: 0, max: 50 },
  linearStepSize: { min: 10, max: 50 },
  maximumBatchSize: { min: 5, max: 50 },
} as const;

/** How many characters of a user's value a message quotes before cutting it with `…`. */
export const QUOTED_VALUE_CHARS = 60;

/**
 * InvokeEndpoint's request body limits: 6 MB for a real-time endpoint, 4 MB for a serverless one (SageMaker
 * Runtime API reference, InvokeEndpoint Body; DG serverless-endpoints "payload size"). AWS writes MB; these are
 * MiB, as the API model's BodyBlob max (6291456) counts them.
 */
export const INVOKE_ENDPOINT_BODY_BYTES = { realTime: 6 * 1024 * 1024, serverless: 4 * 1024 * 1024 } as const;

/**
 * LoadTestEndpoint's hard caps, so that a mistyped input cannot run up a bill, and the figures it works with.
 * An input may lower `maxPatternSeconds` and `maxTotalInvocations` (its `caps`), never raise them.
 * - `maxPatternSeconds`: the whole traffic pattern, every step together (one hour).
 * - `maxTotalInvocations`: every invocation of the test; workers stop when their share of it is used up.
 * - `maxUsersPerStep`, `maxSteps`, `maxWorkersPerStep`: users are concurrent closed-loop clients; a step with U
 *   users runs ceil(U / usersPerWorker) load-generator functions (the account's default Lambda concurrency is 1,000).
 * - `maxInlineWorkers`: more workers than this run in a Distributed Map (an inline Map runs at most 40 iterations
 *   at a time: Step Functions developer guide, "Map state in Inline mode").
 * - `maxSliceSeconds`: one worker generates load for at most 14 minutes, within Lambda's 15-minute limit; a longer
 *   step runs as consecutive slices.
 * - `maxSamples`, `maxSampleBytesTotal`: payload samples a worker holds in memory.
 */
export const LOAD_TEST = {
  maxPatternSeconds: 3600,
  maxTotalInvocations: 10_000_000,
  defaultTotalInvocations: 1_000_000,
  maxUsersPerStep: 5000,
  maxSteps: 30,
  maxWorkersPerStep: 500,
  maxInlineWorkers: 40,
  maxSliceSeconds: 840,
  defaultUsersPerWorker: 32,
  maxUsersPerWorker: 64,
  maxSamples: 100,
  maxSampleBytesTotal: 64 * 1024 * 1024,
} as const;

/**
 * RightSizeEndpoint's caps (this project's, so a mistyped input cannot deploy a fleet):
 * - `maxCandidates`: throwaway endpoints one run deploys (Inference Recommender's Advanced job takes at most 10
 *   EndpointConfigurations, each expanded over its environment ranges; 20 covers the same ground).
 * - `maxEnvironmentCombinations`: the product of the categorical environment ranges' sizes.
 * - `maxInstanceCount`: instances of one candidate (the recommendation may need more: it scales the measured
 *   per-instance rate, up to SageMaker's 1,000 per variant).
 * - `maxConcurrentCandidates`: candidates deployed and tested at once (the input's `maxConcurrency` lowers it; the
 *   account's endpoint-instance quotas may need lower still).
 * - `maxNamePrefixLength`: `<prefix>-rs-<8 hex>-<index>` stays within SageMaker's 63 characters.
 */
export const RIGHT_SIZE = {
  maxCandidates: 20,
  maxEnvironmentCombinations: 16,
  maxInstanceCount: 10,
  maxConcurrentCandidates: 10,
  defaultConcurrentCandidates: 2,
  maxNamePrefixLength: 46,
  maxSafetyFactor: 1,
} as const;
