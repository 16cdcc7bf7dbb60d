/**
 * The project's steps (Lambda tasks), declared once: each step's name and what it writes into the state document.
 * Workflows refer to a step by its name; tasks/registry.ts gives each its code and deployment (and must cover
 * exactly these steps: the compiler checks). Plain data, so that workflows can name steps without importing any
 * step's code.
 *
 * What a step writes is checked twice: the compiler holds each handler's result to its declaration
 * (tasks/_shared/handler.ts, stepHandler), and test/workflows/state-flow.test.ts walks every synthesized state
 * machine to check that each state reads only what every path to it has written.
 */

/** What a step returns. */
export interface StepOutput {
  /**
   * `input-and-writes`: the state document it was given, with the `writes` fields added (or replaced);
   * `writes-only`: a document of its own, made of the `writes` fields (a workflow places it with a ResultPath, or
   * starts a new document from it);
   * `continues-wait`: nothing a state machine reads: it is the fallback poll of a wait another step started (its task
   * runs under the wait's new token), and its task completes with what that step's wait completes with.
   */
  readonly returns: 'input-and-writes' | 'writes-only' | 'continues-wait';
  /**
   * The top-level fields it always writes, those it read and sets anew included (a step that updates `lease`
   * writes `lease`).
   */
  readonly writes: readonly string[];
  /**
   * The top-level fields it writes in some outcomes only: a reader must check for them first, or read them where
   * the outcome is known (`when`: the field is written exactly when the condition holds).
   */
  readonly mayWrite?: readonly MayWrite[];
  /**
   * For a step that runs under a waiting task's token (`.waitForTaskToken`, workflows/fragments.ts: eventDrivenWait):
   * the fields the wait adds to the step's result when the resource has settled (CompleteWait, on SageMaker's event
   * or the fallback poll). The task's output is that document, not the step's Lambda response.
   */
  readonly completes?: readonly string[];
}

/** A field a step writes in some outcomes only, with the outcome when the walk of the state flow can know it. */
type MayWrite = string | { readonly field: string; readonly when: WriteCondition };

/**
 * When a step writes a field: as the field at `present` (a path of the state document it was given) is there or
 * not, or as the field at `path` (one it writes) `equals` a value.
 */
export type WriteCondition =
  | { readonly present: string }
  | { readonly absent: string }
  | { readonly path: string; readonly equals: string | boolean };

/** A step that returns the state document it was given with `writes` (and maybe `mayWrite`) added. */
function adds<const Writes extends readonly string[]>(
  writes: Writes,
): { readonly returns: 'input-and-writes'; readonly writes: Writes; readonly mayWrite: readonly [] };
function adds<const Writes extends readonly string[], const Maybe extends readonly MayWrite[]>(
  writes: Writes,
  mayWrite: Maybe,
): { readonly returns: 'input-and-writes'; readonly writes: Writes; readonly mayWrite: Maybe };
function adds(writes: readonly string[], mayWrite: readonly MayWrite[] = []): StepOutput {
  return { returns: 'input-and-writes', writes, mayWrite };
}

/** A step that returns a document of its own, made of the `writes` fields (and maybe `mayWrite`). */
function ownDocument<const Writes extends readonly string[]>(
  writes: Writes,
): { readonly returns: 'writes-only'; readonly writes: Writes; readonly mayWrite: readonly [] };
function ownDocument<const Writes extends readonly string[], const Maybe extends readonly MayWrite[]>(
  writes: Writes,
  mayWrite: Maybe,
): { readonly returns: 'writes-only'; readonly writes: Writes; readonly mayWrite: Maybe };
function ownDocument(writes: readonly string[], mayWrite: readonly MayWrite[] = []): StepOutput {
  return { returns: 'writes-only', writes, mayWrite };
}

/**
 * A step that starts a change and runs under the waiting task's token: it returns what `step` declares, and the task
 * completes with that and the `completes` fields.
 */
function startsWait<const Step extends StepOutput, const Completes extends readonly string[]>(
  step: Step,
  completes: Completes,
): Step & { readonly completes: Completes } {
  return { ...step, completes };
}

/** The fallback poll of a wait some step started (CompleteWait): its task completes as that step's does. */
function continuesWait(): {
  readonly returns: 'continues-wait';
  readonly writes: readonly [];
  readonly mayWrite: readonly [];
} {
  return { returns: 'continues-wait', writes: [], mayWrite: [] };
}

/** Every step, by name, with what it writes. */
export const STEPS = {
  CreateModel: adds(['model']),
  CreateEndpointConfig: adds(['endpointConfig']),
  // Completes with the endpoint's settled status, on SageMaker's event or the fallback poll.
  StartDeployment: startsWait(adds(['endpoint', 'wait']), ['endpointStatus']),
  GetEndpointStatus: adds(['endpointStatus'], ['wait']),
  CompleteWait: continuesWait(),
  VerifyDeployment: adds([], ['endpointStatus']),
  // An asynchronous endpoint's check sends its invocations; JudgeAsyncResults judges them and writes healthCheck.
  HealthCheck: adds(
    [],
    [
      { field: 'healthCheck', when: { absent: 'request.async' } },
      { field: 'asyncHealthCheck', when: { present: 'request.async' } },
    ],
  ),
  UploadAsyncSamples: adds(['asyncSamples']),
  JudgeAsyncResults: adds(['healthCheck']),
  FinalizeDeployment: adds(['finalized']),
  // A restore completes with the endpoint's settled status; a deletion or no change at once, with the status then.
  StartRollback: startsWait(adds(['rollback', 'wait']), ['endpointStatus']),
  CompleteRollback: adds(['rollback']),
  PublishDeploymentEvent: adds(['event']),
  PackageModel: adds(['packaged']),
  CopyUncompressedModel: adds(['packaged']),
  // A re-delivered schedule finds its job running: the run follows it, and the wait starts here.
  ResolveBatchRun: adds(
    ['run'],
    [
      { field: 'job', when: { path: 'run.action', equals: 'follow' } },
      { field: 'wait', when: { path: 'run.action', equals: 'follow' } },
    ],
  ),
  StartTransformJob: startsWait(adds(['model', 'job', 'wait']), ['jobStatus']),
  GetTransformJobStatus: adds(['jobStatus'], ['wait']),
  StopTransformJob: adds([], ['stoppedJob']),
  DeleteRunModel: adds(['modelCleanup']),
  VerifyTransformOutputs: adds(['verification']),
  PublishBatchEvent: adds(['event']),
  ResolveMultiModelEndpoint: adds(['multiModel']),
  PlaceModel: adds(['placed']),
  // The s3:// URIs of the artifacts it deleted: what this execution placed under a multi-model endpoint's prefix.
  RemovePlacedArtifacts: ownDocument(['deleted']),
  WarmUpModel: adds(['warmUp', 'warmedUp']),
  DeleteModelArtifact: adds(['deleted']),
  VerifyModelRemoved: adds(['removal']),
  PublishModelEvent: adds(['event']),
  ResolveModelPackage: adds(['resolution']),
  PublishModelPackageEvent: adds(['event']),
  RecordAutoScaling: adds(['autoScaling']),
  SuspendAutoScaling: adds(['autoScaling']),
  ApplyAutoScaling: adds(['autoScaling']),
  RestoreAutoScaling: adds([], ['autoScaling']),
  AcquireEndpointLease: adds(['lease']),
  DescribeLeaseHolder: adds(['lease']),
  ReleaseEndpointLease: adds([], ['lease']),
  PrepareLoadTest: adds(['loadTest']),
  ResolveLoadSamples: adds(['loadTest']),
  GuardLiveTraffic: adds([]),
  GenerateLoad: ownDocument(['resultUri', 'requests', 'succeeded', 'lateStartMs']),
  JudgeLoadStep: adds(['loadTest']),
  ReportLoadTest: adds(['loadTest']),
  // The wait for a new endpoint starts here; an existing one is not waited for.
  EnsureComponentEndpoint: adds(
    ['componentEndpoint'],
    [{ field: 'wait', when: { path: 'componentEndpoint.created', equals: true } }],
  ),
  StartComponentDeployment: adds(['component', 'wait']),
  GetComponentStatus: adds(['componentStatus'], ['wait']),
  RollBackComponent: adds(['rollback', 'wait']),
  DeleteComponentEndpoint: adds(['endpointRemoval']),
  StartComponentRemoval: adds(['removal', 'wait']),
  ProbeComponent: adds(['probe']),
  RecordComponentAutoScaling: adds(['componentAutoScaling']),
  SuspendComponentAutoScaling: adds(['componentAutoScaling']),
  ApplyComponentAutoScaling: adds(['componentAutoScaling']),
  RestoreComponentAutoScaling: adds([], ['componentAutoScaling']),
  PublishComponentRemovalEvent: adds(['event']),
  // The plan's concurrency bounded by the instance quotas, and the quotas it read.
  CheckInstanceQuotas: adds(['plan']),
  PrepareCandidate: ownDocument(['candidate', 'execution', 'throwaway', 'request', 'loadTest']),
  DeleteThrowaways: ownDocument(['endpoints', 'endpointConfigs', 'models']),
  SummarizeCandidate: ownDocument(
    [
      'candidate',
      'outcome',
      'maxInvocations',
      'latencyMs',
      'modelLatencyMs',
      'cpuUtilization',
      'memoryUtilization',
      'steps',
    ],
    ['failure', 'stoppedBy', 'resultsUri'],
  ),
  RecommendRightSize: ownDocument(
    ['engine', 'target', 'prices', 'candidates', 'recommendation', 'notes', 'reportFiles'],
    ['noRecommendationBecause', 'inferenceRecommenderJob'],
  ),
  StartInferenceRecommendations: adds(['inferenceRecommenderJob', 'recommenderStatus']),
  // The job's recommendations, once it has settled.
  GetInferenceRecommendations: adds(
    ['recommenderStatus'],
    [{ field: 'measured', when: { path: 'recommenderStatus.settled', equals: true } }],
  ),
  WriteLoadTestReport: adds(['loadTest']),
} as const satisfies Readonly<Record<string, StepOutput>>;

/** The name of one step (also its state name where a workflow uses it once). */
export type TaskName = keyof typeof STEPS;

/** Every step's name, in the order STEPS lists them. */
export const STEP_NAMES = Object.keys(STEPS) as readonly TaskName[];

/** The fields a step always writes. */
export type WritesOf<Name extends TaskName> = (typeof STEPS)[Name]['writes'][number];

/** The fields a step writes in some outcomes only. */
export type MayWriteOf<Name extends TaskName> = FieldOf<(typeof STEPS)[Name]['mayWrite'][number]>;

type FieldOf<Entry> = Entry extends string ? Entry : Entry extends { readonly field: infer Field } ? Field : never;

/** The fields the wait a step starts adds when it completes (none for a step that starts no wait). */
export type CompletesOf<Name extends TaskName> = (typeof STEPS)[Name] extends { readonly completes: infer Completes }
  ? Completes extends readonly string[]
    ? Completes[number]
    : never
  : never;
