/**
 * Inference component contract parts: the endpoint that hosts components (instances, ManagedInstanceScaling,
 * routing, no model), one component's specification (an image with an artifact, or an existing model; its
 * compute requirements and copies) and its rolling update. Ranges follow SageMaker's API model
 * (InferenceComponentRollingUpdatePolicy, InferenceComponentComputeResourceRequirements,
 * InferenceComponentStartupParameters); facts in ../shared/reference/right-sizing-events-inference-components.md §3.
 */
import * as z from 'zod/mini';
import { containerEnvironment, imageUri, integer, sageMakerName } from '../contract-parts.ts';
import { HOSTING_INSTANCE_RESOURCES } from './instance-resources.ts';
import { s3Uri } from './s3.ts';

/** A component's model.tar.gz: an s3:// object (CreateInferenceComponent's ArtifactUrl). */
const ComponentArtifactUrl = s3Uri({ kind: 'object', suffix: '.tar.gz', example: 's3://my-bucket/churn/model.tar.gz' });

const COMPONENT_INSTANCE_TYPES = Object.keys(HOSTING_INSTANCE_RESOURCES) as [string, ...string[]];

/** An instance type whose vCPUs, memory and GPUs are known (contracts/parts/instance-resources.ts). */
const ComponentInstanceType = z.enum(COMPONENT_INSTANCE_TYPES, {
  error: (issue) =>
    `expected an instance type whose capacity is known for inference components (ml.m5.large, ml.g5.xlarge, ...; see contracts/parts/instance-resources.ts)${typeof issue.input === 'string' ? `; '${issue.input}' is not one` : ''}`,
});

/** The endpoint's instances, created with the endpoint when it does not exist yet. */
export const ComponentEndpointSpec = z
  .strictObject({
    instanceType: ComponentInstanceType,
    initialInstanceCount: z._default(integer(1, 1000), 1),
    /** Instances added and released with the components' copies, between these bounds (ManagedInstanceScaling). */
    managedInstanceScaling: z.optional(
      z.strictObject({ minInstanceCount: integer(0, 1000), maxInstanceCount: integer(1, 1000) }),
    ),
    /** How invocations are spread over a component's copies (RoutingConfig.RoutingStrategy). */
    routingStrategy: z._default(z.enum(['LEAST_OUTSTANDING_REQUESTS', 'RANDOM']), 'LEAST_OUTSTANDING_REQUESTS'),
  })
  .check(
    z.superRefine((spec, ctx) => {
      const scaling = spec.managedInstanceScaling;
      if (scaling === undefined) return;
      if (scaling.minInstanceCount > scaling.maxInstanceCount) {
        ctx.addIssue({
          code: 'custom',
          path: ['managedInstanceScaling', 'minInstanceCount'],
          message: 'expected at most maxInstanceCount',
          input: scaling.minInstanceCount,
        });
      }
      if (
        spec.initialInstanceCount < scaling.minInstanceCount ||
        spec.initialInstanceCount > scaling.maxInstanceCount
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['initialInstanceCount'],
          message: 'expected between managedInstanceScaling.minInstanceCount and maxInstanceCount',
          input: spec.initialInstanceCount,
        });
      }
    }),
  );
export type ComponentEndpointSpec = z.output<typeof ComponentEndpointSpec>;

/** What one copy reserves on its instance (ComputeResourceRequirements). */
const ComputeRequirements = z
  .strictObject({
    cpus: z.optional(z.number().check(z.gte(0.25), z.lte(512))),
    accelerators: z.optional(integer(1, 64)),
    minMemoryMb: integer(128, 4_000_000),
    maxMemoryMb: z.optional(integer(128, 4_000_000)),
  })
  .check(
    z.refine((r) => r.maxMemoryMb === undefined || r.maxMemoryMb >= r.minMemoryMb, {
      path: ['maxMemoryMb'],
      message: 'expected at least minMemoryMb',
    }),
  );
type ComputeRequirements = z.output<typeof ComputeRequirements>;

/** One inference component: an image with an artifact, or an existing model; its requirements and copies. */
export const ComponentSpec = z
  .strictObject({
    /** The component's name: what invocations name in InferenceComponentName. */
    name: sageMakerName,
    /** An existing SageMaker model to run (one container). */
    modelName: z.optional(sageMakerName),
    /** Or a container: the image, its model.tar.gz and environment. */
    container: z.optional(
      z.strictObject({
        image: imageUri,
        artifact: z.optional(ComponentArtifactUrl),
        environment: z._default(containerEnvironment, {}),
      }),
    ),
    computeResourceRequirements: ComputeRequirements,
    /** Copies to run; a copy count of 0 needs scale to zero (not offered here: DG endpoint-auto-scaling-zero-instances). */
    copyCount: z._default(integer(1, 1000), 1),
    startupHealthCheckTimeoutSeconds: z.optional(integer(60, 3600)),
    modelDataDownloadTimeoutSeconds: z.optional(integer(60, 3600)),
  })
  .check(
    z.superRefine((spec, ctx) => {
      if ((spec.modelName === undefined) === (spec.container === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: spec.modelName === undefined ? [] : ['modelName'],
          message: 'expected exactly one of modelName or container',
          input: spec,
        });
      }
    }),
  );
export type ComponentSpec = z.output<typeof ComponentSpec>;

/** A batch of a rolling update: copies, or a percentage of the copies (5-50, as SageMaker's guardrails allow). */
const ComponentBatchSize = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('COPY_COUNT'), value: integer(1, 1000) }),
  z.strictObject({ type: z.literal('CAPACITY_PERCENT'), value: integer(5, 50) }),
]);

/** How an update of an existing component rolls out (UpdateInferenceComponent DeploymentConfig). */
export const ComponentRollingUpdate = z.strictObject({
  maximumBatchSize: ComponentBatchSize,
  waitIntervalSeconds: z._default(integer(0, 3600), 0),
  maximumExecutionTimeoutSeconds: z.optional(integer(600, 28_800)),
  rollbackMaximumBatchSize: z.optional(ComponentBatchSize),
  /** CloudWatch alarms that roll the update back (AutoRollbackConfiguration). The local emulator refuses them. */
  alarms: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(255))).check(z.maxLength(10))),
});
export type ComponentRollingUpdate = z.output<typeof ComponentRollingUpdate>;

/**
 * Where a component's requirements do not fit one instance of the endpoint's type: accelerators on an instance
 * without them, or more cores or memory than one instance has. Empty when it fits.
 */
export function requirementsProblems(
  instanceType: string,
  requirements: ComputeRequirements,
): { path: string; message: string }[] {
  const resources = HOSTING_INSTANCE_RESOURCES[instanceType];
  if (resources === undefined) return [];
  const problems: { path: string; message: string }[] = [];
  if (requirements.accelerators !== undefined && requirements.accelerators > resources.accelerators) {
    problems.push({
      path: 'accelerators',
      message:
        resources.accelerators === 0
          ? `expected none: ${instanceType} has no accelerators`
          : `expected at most ${resources.accelerators} (the accelerators of one ${instanceType})`,
    });
  }
  if (requirements.cpus !== undefined && requirements.cpus > resources.vCpus) {
    problems.push({ path: 'cpus', message: `expected at most ${resources.vCpus} (the vCPUs of one ${instanceType})` });
  }
  if (requirements.minMemoryMb > resources.memoryMiB) {
    problems.push({
      path: 'minMemoryMb',
      message: `expected at most ${resources.memoryMiB} (the memory of one ${instanceType}, in MiB)`,
    });
  }
  return problems;
}
