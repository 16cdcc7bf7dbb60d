/**
 * The DeployEndpoint contract: the execution input a user writes (camelCase, defaults applied here) and
 * the state document the tasks pass along. Ranges and patterns follow SageMaker's API model
 * (test/workflows/contract-ranges.test.ts checks them against it).
 */
import { z } from 'zod';
import {
  CaughtError,
  CreatedResource,
  containerEnvironment,
  ExecutionFacts,
  imageUri,
  integer,
  modelDataUrl,
  sageMakerName,
  TagMap,
  WaitProgress,
} from '../contract-parts.ts';

import { PackagedModel, PackageModelInput } from '../package-model/contract.ts';

/** Uncompressed model files under an S3 prefix (SageMaker's ModelDataSource, as PackageModel returns it). */
export const ModelDataSourceInput = z.strictObject({
  s3Uri: z
    .string()
    .max(1024)
    .regex(/^s3:\/\/([^/]+)\/(.*\/)?$/, 'expected the s3:// prefix of the model files, ending with /'),
  s3DataType: z.literal('S3Prefix').default('S3Prefix'),
  compressionType: z.literal('None').default('None'),
});

/**
 * The model to deploy: a container image with its model data (a model.tar.gz URL, uncompressed files under a
 * prefix, or source files to package first), or a registered model package.
 */
export const ModelSource = z
  .strictObject({
    image: imageUri.optional(),
    modelDataUrl: modelDataUrl.optional(),
    modelDataSource: ModelDataSourceInput.optional(),
    /** Package these source files first (the PackageModel steps) and deploy the result. */
    package: PackageModelInput.optional(),
    environment: containerEnvironment.optional(),
    modelPackageArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:[0-9]{12}:model-package\/\S{1,2048}$/,
        'expected a model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
      )
      .optional(),
  })
  .superRefine((model, ctx) => {
    if (model.image === undefined && model.modelPackageArn === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected either image (with modelDataUrl) or modelPackageArn' });
    }
    if (model.image !== undefined && model.modelPackageArn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['modelPackageArn'],
        message: 'give either image or modelPackageArn, not both',
      });
    }
    const modelData = (['modelDataUrl', 'modelDataSource', 'package'] as const).filter(
      (key) => model[key] !== undefined,
    );
    if (model.modelPackageArn !== undefined && (modelData.length > 0 || model.environment !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['modelPackageArn'],
        message: `a model package brings its own image, artifact and environment; remove ${[...modelData, ...(model.environment !== undefined ? ['environment'] : [])].join(' and ')}`,
      });
    } else if (modelData.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [modelData[1] as string],
        message: `give one of modelDataUrl, modelDataSource or package, not ${modelData.join(' and ')}`,
      });
    }
  });

const ServerlessConfig = z
  .strictObject({
    memorySizeInMB: integer(1024, 6144).refine(
      (mb) => mb % 1024 === 0,
      'expected 1024, 2048, 3072, 4096, 5120 or 6144',
    ),
    maxConcurrency: integer(1, 200),
    provisionedConcurrency: integer(1, 200).optional(),
  })
  .refine((s) => s.provisionedConcurrency === undefined || s.provisionedConcurrency <= s.maxConcurrency, {
    path: ['provisionedConcurrency'],
    message: 'expected at most maxConcurrency',
  });

/** One production variant: instance-based (instanceType) or serverless. */
export const Variant = z
  .strictObject({
    name: sageMakerName.default('AllTraffic'),
    instanceType: z
      .string()
      .regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/, 'expected a SageMaker instance type such as ml.m5.large')
      .optional(),
    initialInstanceCount: integer(1, 1000).default(1),
    initialVariantWeight: z.number().min(0).default(1),
    serverless: ServerlessConfig.optional(),
    containerStartupHealthCheckTimeoutInSeconds: integer(60, 3600).optional(),
    modelDataDownloadTimeoutInSeconds: integer(60, 3600).optional(),
  })
  .superRefine((variant, ctx) => {
    if ((variant.instanceType === undefined) === (variant.serverless === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of instanceType or serverless' });
    }
  });

const CapacitySize = z.strictObject({
  type: z.enum(['INSTANCE_COUNT', 'CAPACITY_PERCENT']),
  value: z.number().int().min(1),
});

const TrafficRouting = z
  .strictObject({
    type: z.enum(['ALL_AT_ONCE', 'CANARY', 'LINEAR']),
    waitIntervalInSeconds: integer(0, 3600),
    canarySize: CapacitySize.optional(),
    linearStepSize: CapacitySize.optional(),
  })
  .superRefine((routing, ctx) => {
    if (routing.type === 'CANARY' && routing.canarySize === undefined) {
      ctx.addIssue({ code: 'custom', path: ['canarySize'], message: 'expected canarySize for CANARY traffic routing' });
    }
    if (routing.type === 'LINEAR' && routing.linearStepSize === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['linearStepSize'],
        message: 'expected linearStepSize for LINEAR traffic routing',
      });
    }
    if (routing.type !== 'CANARY' && routing.canarySize !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['canarySize'], message: 'canarySize applies to CANARY only' });
    }
    if (routing.type !== 'LINEAR' && routing.linearStepSize !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['linearStepSize'], message: 'linearStepSize applies to LINEAR only' });
    }
  });

/** SageMaker's DeploymentConfig, in camelCase: blue/green or rolling, plus auto-rollback alarms. */
export const DeploymentGuardrails = z
  .strictObject({
    blueGreen: z
      .strictObject({
        trafficRouting: TrafficRouting,
        terminationWaitInSeconds: integer(0, 3600).optional(),
        maximumExecutionTimeoutInSeconds: integer(600, 28800).optional(),
      })
      .optional(),
    rolling: z
      .strictObject({
        maximumBatchSize: CapacitySize,
        waitIntervalInSeconds: integer(0, 3600),
        maximumExecutionTimeoutInSeconds: integer(600, 28800).optional(),
        rollbackMaximumBatchSize: CapacitySize.optional(),
      })
      .optional(),
    autoRollbackAlarms: z
      .array(
        z
          .string()
          .min(1)
          .max(255)
          .regex(/^(?!\s*$).+$/, 'expected a CloudWatch alarm name'),
      )
      .min(1)
      .max(10)
      .optional(),
  })
  .refine((d) => !(d.blueGreen && d.rolling), 'expected blueGreen or rolling, not both');

/** One sample request of the health check and what its answer must look like. */
export const HealthCheckSample = z.strictObject({
  body: z.string().max(6 * 1024 * 1024, 'expected at most 6 MiB (the InvokeEndpoint limit)'),
  contentType: z.string().min(1).max(1024).default('application/json'),
  accept: z.string().min(1).max(1024).optional(),
  targetVariant: sageMakerName.optional(),
  expectedStatus: integer(100, 599).default(200),
  expectedOutput: z.string().optional(),
  expectedOutputContains: z.string().optional(),
});

/** The health check run against the endpoint once it serves the new config. */
export const HealthCheckSpec = z
  .strictObject({
    samples: z.array(HealthCheckSample).min(1).max(50),
    invocations: integer(1, 1000).optional(),
    concurrency: integer(1, 32).default(1),
    minSuccessRate: z.number().min(0).max(1).default(1),
    latencyBudgetMs: integer(1, 60_000).optional(),
  })
  .refine((h) => h.invocations === undefined || h.invocations >= h.samples.length, {
    path: ['invocations'],
    message: 'expected at least one invocation per sample',
  });

/** How long and how often to poll the endpoint while it is Creating or Updating. */
export const WaitPolicy = z
  .strictObject({
    initialIntervalSeconds: integer(1, 300).default(15),
    maxIntervalSeconds: integer(1, 900).default(120),
    timeoutMinutes: integer(1, 1440).default(60),
  })
  .refine((w) => w.maxIntervalSeconds >= w.initialIntervalSeconds, {
    path: ['maxIntervalSeconds'],
    message: 'expected at least initialIntervalSeconds',
  });

/** The execution input of DeployEndpoint. */
export const DeployEndpointInput = z
  .strictObject({
    endpointName: sageMakerName,
    model: ModelSource,
    modelVersion: z.string().min(1).max(256).optional(),
    variants: z.array(Variant).min(1).max(10),
    deployment: DeploymentGuardrails.optional(),
    healthCheck: HealthCheckSpec,
    onFailure: z.enum(['rollback', 'retain']).default('rollback'),
    retainVersions: integer(1, 20).default(2),
    tags: TagMap.refine(
      (tags) => Object.keys(tags).length <= 40,
      'expected at most 40 tags (SageMaker allows 50; we add ours)',
    ).default({}),
    wait: WaitPolicy.default({ initialIntervalSeconds: 15, maxIntervalSeconds: 120, timeoutMinutes: 60 }),
  })
  .superRefine((input, ctx) => {
    const names = input.variants.map((v) => v.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['variants'],
        message: `variant names must be unique; "${duplicate}" repeats`,
      });
    }
    for (const [i, sample] of input.healthCheck.samples.entries()) {
      if (sample.targetVariant !== undefined && !names.includes(sample.targetVariant)) {
        ctx.addIssue({
          code: 'custom',
          path: ['healthCheck', 'samples', i, 'targetVariant'],
          message: `expected one of the variants (${names.join(', ')})`,
        });
      }
    }
  });

/** What a user writes. */
export type DeployEndpointInputDocument = z.input<typeof DeployEndpointInput>;
/** The validated input with defaults applied. */
export type DeployEndpointRequest = z.output<typeof DeployEndpointInput>;
export type HealthCheckSpec = z.output<typeof HealthCheckSpec>;
export type HealthCheckSample = z.output<typeof HealthCheckSample>;
export type Variant = z.output<typeof Variant>;
export type ModelSource = z.output<typeof ModelSource>;
export type DeploymentGuardrails = z.output<typeof DeploymentGuardrails>;
export type WaitPolicy = z.output<typeof WaitPolicy>;

// ---------------------------------------------------------------------------------------------
// The state document: what the tasks pass along, each adding its part.
// ---------------------------------------------------------------------------------------------

/** The endpoint as last described by the wait loop. */
export const EndpointStatusSummary = z.object({
  status: z.string(),
  settled: z.boolean(),
  configName: z.string().optional(),
  failureReason: z.string().optional(),
});

/** Health check results, small enough for the state document. */
export const HealthCheckReport = z.object({
  invocations: z.number().int(),
  succeeded: z.number().int(),
  successRate: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), max: z.number() }),
  failures: z.array(z.string()),
});

/** What rolling back did: restored the previous config, deleted a new endpoint, retained it, or nothing. */
export const RollbackAction = z.enum(['restore', 'delete', 'retain', 'none']);

/**
 * The state document of a DeployEndpoint execution after ValidateInput. Loose: members added by states
 * that are not tasks (Catch results, Pass states) pass through every task unchanged.
 */
export const DeploymentState = z.looseObject({
  request: DeployEndpointInput,
  execution: ExecutionFacts,
  /** What the packaging steps produced, when the input asked for packaging. */
  packaging: z.object({ packaged: PackagedModel }).optional(),
  model: CreatedResource.optional(),
  endpointConfig: CreatedResource.optional(),
  endpoint: z
    .object({
      name: z.string(),
      arn: z.string(),
      action: z.enum(['create', 'update', 'none']),
      previousConfigName: z.string().optional(),
    })
    .optional(),
  wait: WaitProgress.optional(),
  endpointStatus: EndpointStatusSummary.optional(),
  healthCheck: HealthCheckReport.optional(),
  finalized: z
    .object({ tags: z.record(z.string(), z.string()), deleted: z.array(z.string()), warnings: z.array(z.string()) })
    .optional(),
  error: CaughtError.optional(),
  rollback: z
    .object({
      action: RollbackAction,
      configName: z.string().optional(),
      completed: z.boolean().optional(),
      deleted: z.array(z.string()).optional(),
    })
    .optional(),
  rollbackError: CaughtError.optional(),
  rollbackFailure: z.object({ cause: z.string() }).optional(),
  publishError: CaughtError.optional(),
  event: z.object({ detailType: z.string(), eventId: z.string() }).optional(),
});

export type DeploymentState = z.output<typeof DeploymentState>;
export type HealthCheckReport = z.output<typeof HealthCheckReport>;
export type EndpointStatusSummary = z.output<typeof EndpointStatusSummary>;
export type RollbackAction = z.output<typeof RollbackAction>;
