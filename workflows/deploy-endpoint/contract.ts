/**
 * The DeployEndpoint contract: the execution input a user writes (camelCase, defaults applied here) and
 * the state document the tasks pass along. The input is composed of the model, packaging and endpoint parts
 * (workflows/parts/); the checks that span them live here.
 */
import { z } from 'zod';
import {
  CaughtError,
  CreatedResource,
  ExecutionFacts,
  integer,
  sageMakerName,
  TagMap,
  WaitProgress,
} from '../contract-parts.ts';
import {
  DeploymentGuardrails,
  EndpointStatusSummary,
  HealthCheckReport,
  HealthCheckSpec,
  RollbackAction,
  Variant,
  WaitPolicy,
} from '../parts/endpoint.ts';
import { ModelSource } from '../parts/model.ts';
import { PackagedModel } from '../parts/packaging.ts';

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

// ---------------------------------------------------------------------------------------------
// The state document: what the tasks pass along, each adding its part.
// ---------------------------------------------------------------------------------------------

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
