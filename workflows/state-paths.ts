/**
 * Typed paths into the state document. A definition names a field of the state document through `pathIn<Doc>()`
 * (a Choice variable, a payload's field, a ResultPath), never as a JSONPath string literal: the compiler then
 * refuses a path the document's type does not have (`$.request.modle`, `$.endpointStatus.setled`), and a field no
 * state writes, since the document's fields are listed once here, each checked against what contracts/steps.ts
 * declares the steps write. Which state runs before which is the compiler's blind spot:
 * test/workflows/state-flow.test.ts walks every synthesized definition for that.
 */
import type { CaughtError, CreatedResource, ExecutionFacts, WaitProgress } from '../contracts/contract-parts.ts';
import type { EndpointLease } from '../contracts/endpoint-lease.ts';
import type { AutoScalingRecord, ComponentAutoScalingRecord } from '../contracts/parts/auto-scaling.ts';
import type { BatchRun } from '../contracts/parts/batch-transform.ts';
import type {
  EndpointChange,
  EndpointStatusSummary,
  FinalizedRecord,
  HealthCheckReport,
  RollbackRecord,
} from '../contracts/parts/endpoint.ts';
import type { LoadTestRequest } from '../contracts/parts/load-test.ts';
import type { PlacedModel, RemovalCheck } from '../contracts/parts/multi-model.ts';
import type { PackagedModel } from '../contracts/parts/packaging.ts';
import type { CompletesOf, MayWriteOf, STEPS, TaskName, WritesOf } from '../contracts/steps.ts';

/** A field some wait loop settles on. */
interface Settling {
  readonly settled: boolean;
}

/**
 * Every field a state of some workflow writes into the state document besides `request` and `execution`, with
 * the type of its value where a definition reads below it (`unknown` where none does). One list for all
 * workflows: a field means the same thing in each.
 */
export interface StateFields {
  // Where a Catch puts the error it caught.
  readonly error: CaughtError;
  readonly rollbackError: CaughtError;
  readonly publishError: CaughtError;
  readonly leaseReleaseError: CaughtError;
  readonly cleanupError: CaughtError;
  readonly stopError: CaughtError;
  // What the steps write (contracts/steps.ts).
  readonly model: CreatedResource;
  readonly endpointConfig: CreatedResource;
  readonly endpoint: EndpointChange;
  readonly wait: WaitProgress;
  readonly endpointStatus: EndpointStatusSummary;
  readonly healthCheck: HealthCheckReport;
  readonly asyncHealthCheck: unknown;
  readonly asyncSamples: unknown;
  readonly finalized: FinalizedRecord;
  readonly rollback: RollbackRecord;
  readonly event: unknown;
  readonly packaged: PackagedModel;
  readonly run: BatchRun;
  readonly job: CreatedResource;
  readonly jobStatus: Settling;
  readonly stoppedJob: unknown;
  readonly modelCleanup: unknown;
  readonly verification: unknown;
  /** The multi-model endpoint ResolveMultiModelEndpoint found: the prefix it serves. */
  readonly multiModel: { readonly prefix: string };
  readonly placed: PlacedModel;
  readonly warmUp: unknown;
  readonly warmedUp: unknown;
  /** The model artifact RemoveModelFromMultiModelEndpoint deleted, or the throwaways RightSizeEndpoint deleted. */
  readonly deleted:
    | { readonly targetModel: string; readonly s3Uri: string; readonly existed: boolean }
    | { readonly endpoints: readonly string[] };
  readonly removal: RemovalCheck;
  readonly resolution: {
    readonly outcome: string;
    readonly request: unknown;
    readonly packageArn: string;
    readonly deployPackageArn: string;
  };
  readonly autoScaling: AutoScalingRecord;
  readonly componentAutoScaling: ComponentAutoScalingRecord;
  readonly lease: EndpointLease;
  readonly loadTest: {
    readonly request: LoadTestRequest;
    readonly resultsPrefix: string;
    readonly invocations: unknown;
    readonly next: {
      readonly step: unknown;
      readonly slice: unknown;
      readonly workers: readonly unknown[];
      readonly workerCount: number;
      readonly distributed: boolean;
    };
    readonly done: boolean;
    readonly report: unknown;
  };
  readonly componentEndpoint: { readonly created: boolean };
  readonly component: unknown;
  readonly componentStatus: Settling;
  readonly endpointRemoval: unknown;
  readonly probe: unknown;
  readonly inferenceRecommenderJob: unknown;
  readonly recommenderStatus: Settling & { readonly waitSeconds: number };
  readonly measured: unknown;
  // What Pass states, Maps and ResultSelectors write.
  readonly packaging: { readonly packaged: PackagedModel };
  readonly rollbackFailure: { readonly cause: string };
  readonly modelToDelete: { readonly targetModel: string };
  /** The artifacts RemovePlacedArtifacts deleted: what a failed multi-model execution had placed. */
  readonly artifactRemoval: { readonly deleted: readonly string[] };
  readonly removed: unknown;
  readonly placedModels: unknown;
  readonly plan: {
    readonly candidates: readonly unknown[];
    readonly deployTemplate: unknown;
    readonly loadTestTemplate: unknown;
    readonly maxConcurrency: number;
  };
  /** Where a RightSizeEndpoint candidate's iteration failed. */
  readonly failedAt: string;
  /** The candidate a RightSizeEndpoint iteration tests (PrepareCandidate's document). */
  readonly candidate: unknown;
}

/**
 * The fields steps write into the state document they are given (steps that return a document of their own aside),
 * and those the waits they start complete with.
 */
type StepWrittenField = {
  [Name in TaskName]:
    | ((typeof STEPS)[Name]['returns'] extends 'input-and-writes' ? WritesOf<Name> | MayWriteOf<Name> : never)
    | CompletesOf<Name>;
}[TaskName];

/** A field a step declares it writes that StateFields does not list: none, or the compiler names it here. */
type UnlistedStepField = Exclude<StepWrittenField, keyof StateFields>;
const everyStepFieldIsListed: [UnlistedStepField] extends [never] ? true : UnlistedStepField = true;
void everyStepFieldIsListed;

/** The state document of a workflow whose validated request is `Request`: each field there once written. */
export type StateDocument<Request> = { readonly request: Request; readonly execution: ExecutionFacts } & {
  readonly [Field in keyof StateFields]?: StateFields[Field];
};

type Depth = readonly unknown[];

/** Every dotted path into `T` (`a`, `a.b`, ...), down to five levels; arrays and scalars end a path. */
type FieldPath<T, Level extends Depth = []> = Level['length'] extends 5
  ? never
  : T extends readonly unknown[]
    ? never
    : T extends object
      ? {
          [Key in keyof T & string]-?:
            | Key
            | `${Key}.${FieldPath<Exclude<T[Key], undefined | null>, readonly [...Level, unknown]>}`;
        }[keyof T & string]
      : never;

/** The paths into the state document `Doc`: `pathIn<Doc>()('request.endpointName')` is `'$.request.endpointName'`. */
export function pathIn<Doc>() {
  return <const Path extends FieldPath<Doc>>(path: Path): `$.${Path}` => `$.${path}`;
}

/**
 * The paths into a request of type `Request` (or the part of it a shared fragment reads):
 * `requestPaths<{ endpointName: string }>()('endpointName')` is `'$.request.endpointName'`.
 */
export function requestPaths<Request>() {
  return <const Path extends FieldPath<Request>>(path: Path): `$.request.${Path}` => `$.request.${path}`;
}

/** The path of a field the step `Name` writes, in its Lambda response (a ResultSelector's `$.Payload.<field>`). */
export function resultField<Name extends TaskName>(
  _step: Name,
  field: WritesOf<Name> | MayWriteOf<Name>,
): `$.Payload.${string}` {
  return `$.Payload.${field}`;
}

/** The paths every workflow's state document has, whatever its request: the errors Catch records, for one. */
export const at = pathIn<StateDocument<unknown>>();
