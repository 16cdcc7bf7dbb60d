/**
 * Endpoint contract parts: production variants, SageMaker's deployment guardrails, the health check and the wait
 * policy a user writes; and what the wait loop, the health check and rollback record in the state document.
 * Ranges and patterns follow SageMaker's API model (test/workflows/contract-ranges.test.ts checks them against it).
 */
import { z } from 'zod';
import { integer, sageMakerName } from '../contract-parts.ts';

/** A serverless variant's memory and concurrency. */
export const ServerlessConfig = z
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
export type ServerlessConfig = z.output<typeof ServerlessConfig>;

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
export type Variant = z.output<typeof Variant>;

/** A batch, canary or linear step size: a number of instances or a percentage of capacity. */
export const CapacitySize = z.strictObject({
  type: z.enum(['INSTANCE_COUNT', 'CAPACITY_PERCENT']),
  value: z.number().int().min(1),
});
export type CapacitySize = z.output<typeof CapacitySize>;

/** How blue/green shifts traffic: all at once, a canary first, or linear steps. */
export const TrafficRouting = z
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
export type TrafficRouting = z.output<typeof TrafficRouting>;

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
export type DeploymentGuardrails = z.output<typeof DeploymentGuardrails>;

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
export type HealthCheckSample = z.output<typeof HealthCheckSample>;

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
export type HealthCheckSpec = z.output<typeof HealthCheckSpec>;

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
export type WaitPolicy = z.output<typeof WaitPolicy>;

/** The endpoint as last described by the wait loop. */
export const EndpointStatusSummary = z.object({
  status: z.string(),
  settled: z.boolean(),
  configName: z.string().optional(),
  failureReason: z.string().optional(),
});
export type EndpointStatusSummary = z.output<typeof EndpointStatusSummary>;

/** Health check results, small enough for the state document. */
export const HealthCheckReport = z.object({
  invocations: z.number().int(),
  succeeded: z.number().int(),
  successRate: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), max: z.number() }),
  failures: z.array(z.string()),
});
export type HealthCheckReport = z.output<typeof HealthCheckReport>;

/** What rolling back did: restored the previous config, deleted a new endpoint, retained it, or nothing. */
export const RollbackAction = z.enum(['restore', 'delete', 'retain', 'none']);
export type RollbackAction = z.output<typeof RollbackAction>;
