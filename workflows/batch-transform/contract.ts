/**
 * The BatchTransform contract: the execution input (a schedule's or a user's), validated against SageMaker's
 * documented transform job ranges (test/workflows/contract-ranges.test.ts holds them to the API model), and
 * the state document the tasks pass along.
 */
import { z } from 'zod';
import {
  CaughtError,
  CreatedResource,
  containerEnvironment,
  ExecutionFacts,
  environmentKey,
  imageUri,
  integer,
  modelDataUrl,
  SAGEMAKER_NAME_PATTERN,
  WaitProgress,
} from '../contract-parts.ts';

/** Placeholders an S3 prefix may hold, filled from the run's scheduled time (UTC). */
export const DATE_PLACEHOLDERS = ['{yyyy}', '{MM}', '{dd}', '{HH}'] as const;

const s3Prefix = z
  .string()
  .max(1024)
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'expected an S3 location such as s3://bucket/prefix/');

/** A schedule (or a caller) name: part of the job name, so SageMaker's name characters only. */
const scheduleName = z
  .string()
  .min(1)
  .max(63)
  .regex(SAGEMAKER_NAME_PATTERN, 'expected letters, digits or hyphens, starting and ending with a letter or digit');

/** The model to run: an existing SageMaker model by name, or an image + artifact created like DeployEndpoint's. */
export const BatchModel = z
  .strictObject({
    name: z.string().max(63).regex(SAGEMAKER_NAME_PATTERN, 'expected an existing SageMaker model name').optional(),
    image: imageUri.optional(),
    modelDataUrl: modelDataUrl.optional(),
    environment: containerEnvironment.optional(),
  })
  .superRefine((model, ctx) => {
    if ((model.name === undefined) === (model.image === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected either name (an existing model) or image (with modelDataUrl)',
      });
    }
    if (model.name !== undefined && (model.modelDataUrl !== undefined || model.environment !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'an existing model brings its own artifact and environment; remove modelDataUrl and environment',
      });
    }
  });

/** The execution input of BatchTransform. */
export const BatchTransformInput = z
  .strictObject({
    /** Names the job with the scheduled time; a schedule passes its own name. */
    scheduleName: scheduleName.default('manual'),
    /** The run's time, from EventBridge Scheduler (`<aws.scheduler.scheduled-time>`); the start time if absent. */
    scheduledTime: z.iso.datetime({ offset: true }).optional(),
    model: BatchModel,
    input: z.strictObject({
      /** Every object under this prefix (date placeholders filled in) is transformed. */
      s3Prefix,
      contentType: z.string().min(1).max(256).optional(),
      splitType: z.enum(['None', 'Line', 'RecordIO']).default('None'),
      compressionType: z.enum(['None', 'Gzip']).default('None'),
    }),
    output: z.strictObject({
      /** `<input key below the prefix>.out` lands under this prefix (date placeholders filled in). */
      s3Prefix,
      accept: z.string().min(1).max(256).optional(),
      assembleWith: z.enum(['None', 'Line']).default('None'),
      kmsKeyId: z.string().min(1).max(2048).optional(),
    }),
    batchStrategy: z.enum(['MultiRecord', 'SingleRecord']).optional(),
    /** 0 = no limit (chunked bodies). */
    maxPayloadInMB: integer(0, 100).optional(),
    /** 0 = let the container's /execution-parameters decide. */
    maxConcurrentTransforms: z.number().int().min(0).optional(),
    dataProcessing: z
      .strictObject({
        inputFilter: z.string().max(63).optional(),
        outputFilter: z.string().max(63).optional(),
        joinSource: z.enum(['Input', 'None']).optional(),
      })
      .optional(),
    modelClientConfig: z
      .strictObject({
        invocationsTimeoutInSeconds: integer(1, 3600).optional(),
        invocationsMaxRetries: integer(0, 3).optional(),
      })
      .optional(),
    instanceType: z
      .string()
      .regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/, 'expected a SageMaker instance type such as ml.m5.large')
      .default('ml.m5.large'),
    instanceCount: z.number().int().min(1).default(1),
    environment: z
      .record(environmentKey, z.string().max(10240))
      .refine((env) => Object.keys(env).length <= 16, 'expected at most 16 environment variables')
      .optional(),
    wait: z
      .strictObject({
        initialIntervalSeconds: integer(1, 300).default(30),
        maxIntervalSeconds: integer(1, 900).default(300),
        timeoutMinutes: integer(1, 2880).default(24 * 60),
      })
      .refine((w) => w.maxIntervalSeconds >= w.initialIntervalSeconds, {
        path: ['maxIntervalSeconds'],
        message: 'expected at least initialIntervalSeconds',
      })
      .default({ initialIntervalSeconds: 30, maxIntervalSeconds: 300, timeoutMinutes: 24 * 60 }),
  })
  .superRefine((input, ctx) => {
    const { maxConcurrentTransforms: concurrency, maxPayloadInMB: payload } = input;
    if (concurrency !== undefined && concurrency > 0 && payload !== undefined && concurrency * payload > 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxConcurrentTransforms'],
        message: `maxConcurrentTransforms x maxPayloadInMB must be at most 100 (SageMaker's limit), got ${concurrency} x ${payload}`,
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
  });

/** What a user (or a schedule) writes. */
export type BatchTransformInputDocument = z.input<typeof BatchTransformInput>;
/** The validated input with defaults applied. */
export type BatchTransformRequest = z.output<typeof BatchTransformInput>;
export type BatchWaitPolicy = BatchTransformRequest['wait'];

/** What this run is: its job name and resolved locations, and what to do (create, follow an existing job, skip). */
export const BatchRun = z.object({
  jobName: z.string(),
  scheduledTime: z.string(),
  inputS3Uri: z.string(),
  outputS3Uri: z.string(),
  action: z.enum(['create', 'follow', 'skip']),
  inputObjects: z.number().int(),
});
export type BatchRun = z.output<typeof BatchRun>;

/** The transform job as last described by the wait loop. */
export const TransformJobStatusSummary = z.object({
  status: z.string(),
  settled: z.boolean(),
  failureReason: z.string().optional(),
});
export type TransformJobStatusSummary = z.output<typeof TransformJobStatusSummary>;

/** Outputs checked against inputs after a completed job. */
export const OutputVerification = z.object({
  inputObjects: z.number().int(),
  outputObjects: z.number().int(),
  missing: z.array(z.string()),
});
export type OutputVerification = z.output<typeof OutputVerification>;

/** The state document of a BatchTransform execution after ValidateInput. */
export const BatchRunState = z.looseObject({
  request: BatchTransformInput,
  execution: ExecutionFacts,
  run: BatchRun.optional(),
  model: CreatedResource.optional(),
  job: CreatedResource.optional(),
  wait: WaitProgress.optional(),
  jobStatus: TransformJobStatusSummary.optional(),
  verification: OutputVerification.optional(),
  error: CaughtError.optional(),
  /** Set when a failed run stopped the job it had left running (after a timeout, say). */
  stoppedJob: z.object({ name: z.string(), status: z.string() }).optional(),
  stopError: CaughtError.optional(),
  publishError: CaughtError.optional(),
  event: z.object({ detailType: z.string(), eventId: z.string() }).optional(),
});
export type BatchRunState = z.output<typeof BatchRunState>;
