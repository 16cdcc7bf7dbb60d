/**
 * The BatchTransform contract: the execution input (a schedule's or a user's), validated against SageMaker's
 * documented transform job ranges (test/workflows/contract-ranges.test.ts holds them to the API model), and
 * the state document the tasks pass along.
 */
import * as z from 'zod/mini';
import {
  CaughtError,
  CreatedResource,
  containerEnvironment,
  ExecutionFacts,
  imageUri,
  instanceTypeOf,
  integer,
  SAGEMAKER_NAME_PATTERN,
  transformEnvironment,
  WaitProgress,
} from '../contract-parts.ts';
import { quote } from '../messages.ts';
import { Containers, containerListIssues } from './containers.ts';
import { DATE_PLACEHOLDERS, PLACEHOLDER_DIGITS } from './date-placeholders.ts';
import { HOSTING_INSTANCE_TYPES, TRANSFORM_INSTANCE_TYPES } from './instance-type-values.ts';
import { asFolder, kmsKeyId, modelDataUrl, s3Uri } from './s3.ts';

/** Why a key names something in braces that is not a date placeholder (a typo would never match), or undefined. */
function placeholderProblem(key: string): string | undefined {
  const unknown = (key.match(/\{[^{}]*\}|[{}]/g) ?? []).find((token) => !PLACEHOLDER_DIGITS.has(token));
  return unknown === undefined
    ? undefined
    : `expected only the date placeholders ${DATE_PLACEHOLDERS.join(', ')}; ${quote(unknown)} is not one`;
}

const s3Prefix = s3Uri({
  kind: 'prefix',
  example: 's3://my-bucket/scoring/in/{yyyy}/{MM}/{dd}/',
  keyProblem: placeholderProblem,
});

/** What each character of a prefix template may be once filled in: itself, or any digit (`null`). */
function filledCharacters(template: string): (string | null)[] {
  return template
    .split(/(\{[^{}]*\})/)
    .flatMap((part) => (PLACEHOLDER_DIGITS.has(part) ? Array(PLACEHOLDER_DIGITS.get(part)).fill(null) : [...part]));
}

/**
 * Whether `template` filled in for some scheduled time may start with `prefix` filled in for the same time.
 * Placeholders are taken as any digits of their length, so this may answer yes for a pair that only a
 * calendar-impossible time would make overlap; it never answers no for a pair that does.
 */
function mayStartWith(template: string, prefix: string): boolean {
  const text = filledCharacters(template);
  const start = filledCharacters(prefix);
  return (
    text.length >= start.length &&
    start.every((c, i) => {
      const d = text[i] as string | null;
      if (c === null) return d === null || /\d/.test(d);
      return d === null ? /\d/.test(c) : c === d;
    })
  );
}

/** A schedule (or a caller) name: part of the job name, so SageMaker's name characters only (the deployment config names schedules with it). */
export const scheduleName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(63),
    z.regex(SAGEMAKER_NAME_PATTERN, 'expected letters, digits or hyphens, starting and ending with a letter or digit'),
  );

/**
 * The model to run: an existing SageMaker model by name (a serial pipeline model too), an image + artifact, or
 * the containers of a serial inference pipeline, created like DeployEndpoint's models.
 */
const BatchModel = z
  .strictObject({
    name: z.optional(
      z.string().check(z.maxLength(63), z.regex(SAGEMAKER_NAME_PATTERN, 'expected an existing SageMaker model name')),
    ),
    image: z.optional(imageUri),
    modelDataUrl: z.optional(modelDataUrl),
    environment: z.optional(containerEnvironment),
    /** A serial inference pipeline: each record goes through the containers in order. */
    containers: z.optional(Containers),
  })
  .check(
    z.superRefine((model, ctx) => {
      const given = (['name', 'image', 'containers'] as const).filter((k) => model[k] !== undefined);
      if (given.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected one of name (an existing model), image (with modelDataUrl) or containers (a pipeline)',
          input: model,
        });
      }
      if (model.containers !== undefined) {
        for (const issue of containerListIssues(model.containers, 'Serial', ['containers'])) ctx.addIssue(issue);
        const multiModel = model.containers.findIndex((c) => c.multiModel !== undefined);
        if (multiModel >= 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['containers', multiModel, 'multiModel'],
            message:
              'a batch transform runs one model per container: SageMaker does not transform with a multi-model container',
            input: undefined,
          });
        }
      }
      if (model.name !== undefined && (model.modelDataUrl !== undefined || model.environment !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['name'],
          message: 'an existing model brings its own artifact and environment; remove modelDataUrl and environment',
        });
      }
    }),
  );

/** Names the job with the scheduled time; a schedule passes its own name. */
const ScheduleName = z._default(scheduleName, 'manual');

/** The run's time, from EventBridge Scheduler (`<aws.scheduler.scheduled-time>`); the start time if absent. */
const ScheduledTime = z.iso.datetime({ offset: true });

/** What the job reads: every object under `s3Prefix` (date placeholders filled in), and how to split it. */
const BatchInput = z.strictObject({
  /** Every object under this prefix (date placeholders filled in) is transformed. */
  s3Prefix,
  contentType: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  splitType: z._default(z.enum(['None', 'Line', 'RecordIO']), 'None'),
  compressionType: z._default(z.enum(['None', 'Gzip']), 'None'),
});

/** Where the job writes: `<input key below the prefix>.out` under `s3Prefix` (date placeholders filled in). */
const BatchOutput = z.strictObject({
  /** `<input key below the prefix>.out` lands under this prefix (date placeholders filled in). */
  s3Prefix,
  accept: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  assembleWith: z._default(z.enum(['None', 'Line']), 'None'),
  kmsKeyId: z.optional(kmsKeyId),
});

/** How long and how often to poll the job. */
const BatchWait = z._default(
  z
    .strictObject({
      initialIntervalSeconds: z._default(integer(1, 300), 30),
      maxIntervalSeconds: z._default(integer(1, 900), 300),
      timeoutMinutes: z._default(integer(1, 2880), 24 * 60),
    })
    .check(
      z.refine((w) => w.maxIntervalSeconds >= w.initialIntervalSeconds, {
        path: ['maxIntervalSeconds'],
        message: 'expected at least initialIntervalSeconds',
      }),
    ),
  { initialIntervalSeconds: 30, maxIntervalSeconds: 300, timeoutMinutes: 24 * 60 },
);

/** The execution input of BatchTransform. */
export const BatchTransformInput = z
  .strictObject({
    scheduleName: ScheduleName,
    scheduledTime: z.optional(ScheduledTime),
    model: BatchModel,
    input: BatchInput,
    output: BatchOutput,
    batchStrategy: z.optional(z.enum(['MultiRecord', 'SingleRecord'])),
    /** 0 = no limit (chunked bodies). */
    maxPayloadInMB: z.optional(integer(0, 100)),
    /** 0 = let the container's /execution-parameters decide. */
    maxConcurrentTransforms: z.optional(z.int().check(z.gte(0))),
    dataProcessing: z.optional(
      z.strictObject({
        inputFilter: z.optional(z.string().check(z.maxLength(63))),
        outputFilter: z.optional(z.string().check(z.maxLength(63))),
        joinSource: z.optional(z.enum(['Input', 'None'])),
      }),
    ),
    modelClientConfig: z.optional(
      z.strictObject({
        invocationsTimeoutInSeconds: z.optional(integer(1, 3600)),
        invocationsMaxRetries: z.optional(integer(0, 3)),
      }),
    ),
    instanceType: z._default(
      instanceTypeOf(TRANSFORM_INSTANCE_TYPES, 'a batch transform', {
        types: HOSTING_INSTANCE_TYPES,
        what: 'a hosting',
      }),
      'ml.m5.large',
    ),
    instanceCount: z._default(z.int().check(z.gte(1)), 1),
    environment: z.optional(transformEnvironment),
    wait: BatchWait,
  })
  .check(
    z.superRefine((input, ctx) => {
      const { maxConcurrentTransforms: concurrency, maxPayloadInMB: payload } = input;
      if (concurrency !== undefined && concurrency > 0 && payload !== undefined && concurrency * payload > 100) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxConcurrentTransforms'],
          message: `maxConcurrentTransforms x maxPayloadInMB must be at most 100 (SageMaker's limit), got ${concurrency} x ${payload}`,
        });
      }
      // SageMaker reads every object under the input prefix: outputs written there are the next run's inputs.
      if (mayStartWith(asFolder(input.output.s3Prefix), input.input.s3Prefix)) {
        ctx.addIssue({
          code: 'custom',
          path: ['output', 's3Prefix'],
          message: 'expected an output outside the input prefix: the next run would read these outputs as input',
          input: input.output.s3Prefix,
        });
      }
      const usesRecords = input.dataProcessing?.joinSource === 'Input' || input.dataProcessing?.inputFilter;
      if (usesRecords && input.input.splitType !== 'Line') {
        ctx.addIssue({
          code: 'custom',
          path: ['input', 'splitType'],
          message: 'dataProcessing filters and joinSource need records: set splitType to Line',
        });
      }
    }),
  );

/** What a user (or a schedule) writes. */
export type BatchTransformInputDocument = z.input<typeof BatchTransformInput>;
/** The validated input with defaults applied. */
export type BatchTransformRequest = z.output<typeof BatchTransformInput>;
export type BatchWaitPolicy = z.output<typeof BatchWait>;

/** What this run is: its job name and resolved locations, and what to do (create, follow an existing job, skip). */
export const BatchRun = z.object({
  jobName: z.string(),
  scheduledTime: z.string(),
  inputS3Uri: z.string(),
  outputS3Uri: z.string(),
  action: z.enum(['create', 'follow', 'skip']),
  inputObjects: z.int(),
});
export type BatchRun = z.output<typeof BatchRun>;

/** The transform job as last described by the wait loop. */
export const TransformJobStatusSummary = z.object({
  status: z.string(),
  settled: z.boolean(),
  failureReason: z.optional(z.string()),
});
export type TransformJobStatusSummary = z.output<typeof TransformJobStatusSummary>;

/** Outputs checked against inputs after a completed job. */
export const OutputVerification = z.object({
  inputObjects: z.int(),
  outputObjects: z.int(),
  missing: z.array(z.string()),
});
export type OutputVerification = z.output<typeof OutputVerification>;

/** The state document of a BatchTransform execution after ValidateInput. */
export const BatchRunState = z.looseObject({
  request: BatchTransformInput,
  execution: ExecutionFacts,
  run: z.optional(BatchRun),
  model: z.optional(CreatedResource),
  job: z.optional(CreatedResource),
  wait: z.optional(WaitProgress),
  jobStatus: z.optional(TransformJobStatusSummary),
  verification: z.optional(OutputVerification),
  error: z.optional(CaughtError),
  /** Set when a failed run stopped the job it had left running (after a timeout, say). */
  stoppedJob: z.optional(z.object({ name: z.string(), status: z.string() })),
  stopError: z.optional(CaughtError),
  publishError: z.optional(CaughtError),
  event: z.optional(z.object({ detailType: z.string(), eventId: z.string() })),
});
export type BatchRunState = z.output<typeof BatchRunState>;
