/**
 * The deployment config file (`smwf.config.json`): what one deployment of the stack wires up, so that nobody
 * edits TypeScript to add a schedule or follow a model package group. The resource name prefix, the buckets,
 * the BatchTransform schedules and the model package groups to follow, each group mapped to its endpoint
 * settings. Reuses the workflows' contract parts; its JSON Schema is published as schemas/smwf.config.schema.json.
 */
import * as z from 'zod/mini';
import { integer } from '../../contracts/contract-parts.ts';
import { BatchTransformInput, scheduleName } from '../../contracts/parts/batch-transform.ts';
import { ModelPackageDeployment, ModelPackageGroupName } from '../../contracts/parts/model-package-deployment.ts';
import { bucketName } from '../../contracts/parts/s3.ts';
import { PACKAGE_MODEL_MEMORY_MB } from '../../tasks/package-model/registration.ts';

/** Whether `zone` is an IANA time zone this runtime (and so EventBridge Scheduler) knows. */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** One EventBridge Scheduler schedule that starts BatchTransform. */
const BatchTransformScheduleConfig = z
  .strictObject({
    /** The schedule's name; also the job name's prefix and the run's scheduleName. */
    name: scheduleName,
    /** `cron(...)`, `rate(...)` or `at(...)`, as EventBridge Scheduler writes them. */
    expression: z
      .string()
      .check(
        z.maxLength(256),
        z.regex(/^(cron|rate|at)\(.+\)$/, 'expected cron(...), rate(...) or at(...) (EventBridge Scheduler)'),
      ),
    /** IANA time zone of a cron or at expression. Default UTC. */
    timeZone: z.optional(
      z.string().check(z.refine(isTimeZone, 'expected an IANA time zone name, for example Europe/Paris or UTC')),
    ),
    /** Let Scheduler start the run up to this many minutes late, spreading load (1-1440). Default: on time. */
    flexibleWindowMinutes: z.optional(integer(1, 1440)),
    /** Deliveries Scheduler retries when StartExecution fails (0-185). Default 3. */
    retryAttempts: z.optional(integer(0, 185)),
    /** How long Scheduler keeps retrying a delivery, in seconds (60-86400). Default 86400. */
    maxEventAgeSeconds: z.optional(integer(60, 86400)),
    /** Default true. */
    enabled: z.optional(z.boolean()),
    /** The BatchTransform input; scheduleName and scheduledTime are filled in by the schedule. */
    input: BatchTransformInput,
  })
  .check(
    z.superRefine((schedule, ctx) => {
      if (schedule.input.scheduledTime !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['input', 'scheduledTime'],
          message: 'expected none: the schedule passes the time of each run',
        });
      }
      if (schedule.input.scheduleName !== 'manual' && schedule.input.scheduleName !== schedule.name) {
        ctx.addIssue({
          code: 'custom',
          path: ['input', 'scheduleName'],
          message: `expected none: the schedule passes its own name (${schedule.name})`,
        });
      }
    }),
  );

/** The deployment config file. */
export const DeploymentConfigFile = z
  .strictObject({
    /** The JSON Schema an editor checks the file against (schemas/smwf.config.schema.json). */
    $schema: z.optional(z.string()),
    /** Only endpoints (and their models and configs) whose names start with this prefix can be deployed. */
    resourceNamePrefix: z.optional(
      z
        .string()
        .check(z.maxLength(40), z.regex(/^[a-zA-Z0-9-]*$/, 'expected letters, digits and hyphens (a name prefix)')),
    ),
    /** Name of the project's event bus. Default sagemaker-workflows. */
    eventBusName: z.optional(
      z.string().check(z.minLength(1), z.maxLength(256), z.regex(/^[.\-_A-Za-z0-9]+$/, 'expected an event bus name')),
    ),
    /** Further buckets whose model artifacts SageMaker may read. Default: only the stack's artifact bucket. */
    modelArtifactBucketNames: z.optional(z.array(bucketName)),
    /** Buckets batch transforms read inputs from and write outputs to. Default: only the stack's artifact bucket. */
    batchDataBucketNames: z.optional(z.array(bucketName)),
    /**
     * Memory of the PackageModel function in MB, and so its vCPUs, which gzip runs on (512-10240). Default 10240
     * (6 vCPUs).
     */
    packageModelMemoryMb: z.optional(
      z
        .int()
        .check(
          z.gte(
            PACKAGE_MODEL_MEMORY_MB.min,
            `expected at least ${PACKAGE_MODEL_MEMORY_MB.min} MB (room for PackageModel's own peak of 256 MB)`,
          ),
          z.lte(PACKAGE_MODEL_MEMORY_MB.max, `expected at most ${PACKAGE_MODEL_MEMORY_MB.max} MB (Lambda's maximum)`),
        ),
    ),
    /** Schedules that start BatchTransform. */
    batchTransformSchedules: z._default(z.array(BatchTransformScheduleConfig), []),
    /**
     * The model package groups to follow, by group name: an Approved package of the group is deployed to the
     * group's endpoint with these settings, and rejecting the served one redeploys the latest Approved package.
     */
    modelPackageGroups: z._default(z.record(ModelPackageGroupName, ModelPackageDeployment), {}),
  })
  .check(
    z.superRefine((config, ctx) => {
      const seen = new Set<string>();
      for (const [i, schedule] of config.batchTransformSchedules.entries()) {
        if (seen.has(schedule.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['batchTransformSchedules', i, 'name'],
            message: `expected a unique name; "${schedule.name}" is used twice`,
          });
        }
        seen.add(schedule.name);
      }
      const endpoints = new Map<string, string>();
      const prefix = config.resourceNamePrefix ?? '';
      for (const [group, deployment] of Object.entries(config.modelPackageGroups)) {
        const other = endpoints.get(deployment.endpointName);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['modelPackageGroups', group, 'endpointName'],
            message: `expected an endpoint of its own; group ${other} deploys to ${deployment.endpointName} too`,
          });
        }
        endpoints.set(deployment.endpointName, group);
        if (!deployment.endpointName.startsWith(prefix)) {
          ctx.addIssue({
            code: 'custom',
            path: ['modelPackageGroups', group, 'endpointName'],
            message: `expected a name starting with the resourceNamePrefix "${prefix}" (the stack may reach no other)`,
          });
        }
      }
    }),
  );

/** The validated file with defaults applied. */
export type DeploymentConfig = z.output<typeof DeploymentConfigFile>;
