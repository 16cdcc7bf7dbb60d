/**
 * Endpoint contract parts: production variants, SageMaker's deployment guardrails, the health check and the wait
 * policy a user writes; and what the wait loop, the health check and rollback record in the state document.
 * Ranges and patterns follow SageMaker's API model (test/workflows/contract-ranges.test.ts checks them against it).
 */
import * as z from 'zod/mini';
import { headerValue, instanceTypeOf, integer, sageMakerName, TagMap, taggedValue } from '../contract-parts.ts';
import { LEASE_WAIT } from '../endpoint-lease.ts';
import { GUARDRAIL_PERCENT, MAX_TAGS_PER_RESOURCE, MAX_USER_TAGS } from '../limits.ts';
import { HOSTING_INSTANCE_TYPES } from './instance-type-values.ts';

/** A serverless variant's memory and concurrency. */
export const ServerlessConfig = z
  .strictObject({
    memorySizeInMB: integer(1024, 6144).check(
      z.refine((mb) => mb % 1024 === 0, 'expected 1024, 2048, 3072, 4096, 5120 or 6144'),
    ),
    maxConcurrency: integer(1, 200),
    provisionedConcurrency: z.optional(integer(1, 200)),
  })
  .check(
    z.refine((s) => s.provisionedConcurrency === undefined || s.provisionedConcurrency <= s.maxConcurrency, {
      path: ['provisionedConcurrency'],
      message: 'expected at most maxConcurrency',
    }),
  );
export type ServerlessConfig = z.output<typeof ServerlessConfig>;

/** One production variant: instance-based (instanceType) or serverless. */
export const Variant = z
  .strictObject({
    name: z._default(sageMakerName, 'AllTraffic'),
    instanceType: z.optional(instanceTypeOf(HOSTING_INSTANCE_TYPES, 'a hosting')),
    initialInstanceCount: z._default(integer(1, 1000), 1),
    initialVariantWeight: z._default(z.number().check(z.gte(0)), 1),
    serverless: z.optional(ServerlessConfig),
    containerStartupHealthCheckTimeoutInSeconds: z.optional(integer(60, 3600)),
    modelDataDownloadTimeoutInSeconds: z.optional(integer(60, 3600)),
  })
  .check(
    z.superRefine((variant, ctx) => {
      if ((variant.instanceType === undefined) === (variant.serverless === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'expected exactly one of instanceType or serverless' });
      }
    }),
  );
export type Variant = z.output<typeof Variant>;

/**
 * An endpoint config's production variants: 1 to 10, each named once; a serverless variant alone (DG
 * serverless-endpoints: no multiple production variants), and some traffic for at least one of them.
 */
export const Variants = z.array(Variant).check(
  z.minLength(1),
  z.maxLength(10),
  z.superRefine((variants, ctx) => {
    const names = variants.map((v) => v.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `variant names must be unique; "${duplicate}" repeats`,
        input: variants,
      });
    }
    const serverless = variants.findIndex((v) => v.serverless !== undefined);
    if (serverless >= 0 && variants.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [serverless, 'serverless'],
        message: 'a serverless variant must be the only variant: serverless endpoints take no other variant',
        input: variants.length,
      });
    }
    // SageMaker splits traffic by each weight's share of their sum: a sum of 0 routes nothing anywhere.
    if (variants.length > 0 && variants.every((v) => v.initialVariantWeight === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: [0, 'initialVariantWeight'],
        message: 'expected a weight above 0 on at least one variant: with all weights 0 no request is served',
        input: 0,
      });
    }
  }),
);

/** A batch, canary or linear step size: a number of instances or a percentage of capacity. */
const CapacitySize = z
  .strictObject({
    type: z.enum(['INSTANCE_COUNT', 'CAPACITY_PERCENT']),
    value: z.int().check(z.gte(1)),
  })
  .check(
    z.refine((size) => size.type !== 'CAPACITY_PERCENT' || size.value <= 100, {
      path: ['value'],
      message: 'expected a percentage of capacity, at most 100',
    }),
  );
type CapacitySize = z.output<typeof CapacitySize>;

/** How blue/green shifts traffic: all at once, a canary first, or linear steps. */
const TrafficRouting = z
  .strictObject({
    type: z.enum(['ALL_AT_ONCE', 'CANARY', 'LINEAR']),
    waitIntervalInSeconds: integer(0, 3600),
    canarySize: z.optional(CapacitySize),
    linearStepSize: z.optional(CapacitySize),
  })
  .check(
    z.superRefine((routing, ctx) => {
      if (routing.type === 'CANARY' && routing.canarySize === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['canarySize'],
          message: 'expected canarySize for CANARY traffic routing',
        });
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
    }),
  );

/** SageMaker's DeploymentConfig, in camelCase: blue/green or rolling, plus auto-rollback alarms. */
export const DeploymentGuardrails = z
  .strictObject({
    blueGreen: z.optional(
      z.strictObject({
        trafficRouting: TrafficRouting,
        terminationWaitInSeconds: z.optional(integer(0, 3600)),
        maximumExecutionTimeoutInSeconds: z.optional(integer(600, 28800)),
      }),
    ),
    rolling: z.optional(
      z.strictObject({
        maximumBatchSize: CapacitySize,
        waitIntervalInSeconds: integer(0, 3600),
        maximumExecutionTimeoutInSeconds: z.optional(integer(600, 28800)),
        rollbackMaximumBatchSize: z.optional(CapacitySize),
      }),
    ),
    autoRollbackAlarms: z.optional(
      z
        .array(
          z
            .string()
            .check(z.minLength(1), z.maxLength(255), z.regex(/^(?!\s*$).+$/, 'expected a CloudWatch alarm name')),
        )
        .check(z.minLength(1), z.maxLength(10)),
    ),
  })
  .check(z.refine((d) => !(d.blueGreen && d.rolling), 'expected blueGreen or rolling, not both'));
export type DeploymentGuardrails = z.output<typeof DeploymentGuardrails>;

/** One sample request of the health check and what its answer must look like. */
export const HealthCheckSample = z.strictObject({
  body: z.string().check(z.maxLength(6 * 1024 * 1024, 'expected at most 6 MiB (the InvokeEndpoint limit)')),
  contentType: z._default(headerValue, 'application/json'),
  accept: z.optional(headerValue),
  targetVariant: z.optional(sageMakerName),
  /** A multi-container endpoint invoked per container (Direct): the container this sample is for. */
  targetContainerHostname: z.optional(sageMakerName),
  expectedStatus: z._default(integer(100, 599), 200),
  expectedOutput: z.optional(z.string()),
  expectedOutputContains: z.optional(z.string()),
});
export type HealthCheckSample = z.output<typeof HealthCheckSample>;

/** The health check run against the endpoint once it serves the new config. */
export const HealthCheckSpec = z
  .strictObject({
    samples: z.array(HealthCheckSample).check(z.minLength(1), z.maxLength(50)),
    invocations: z.optional(integer(1, 1000)),
    concurrency: z._default(integer(1, 32), 1),
    minSuccessRate: z._default(z.number().check(z.gte(0), z.lte(1)), 1),
    latencyBudgetMs: z.optional(integer(1, 60_000)),
  })
  .check(
    z.refine((h) => h.invocations === undefined || h.invocations >= h.samples.length, {
      path: ['invocations'],
      message: 'expected at least one invocation per sample',
    }),
  );
export type HealthCheckSpec = z.output<typeof HealthCheckSpec>;

/** How long and how often to poll the endpoint while it is Creating or Updating. */
export const WaitPolicy = z
  .strictObject({
    initialIntervalSeconds: z._default(integer(1, 300), 15),
    maxIntervalSeconds: z._default(integer(1, 900), 120),
    timeoutMinutes: z._default(integer(1, 1440), 60),
  })
  .check(
    z.refine((w) => w.maxIntervalSeconds >= w.initialIntervalSeconds, {
      path: ['maxIntervalSeconds'],
      message: 'expected at least initialIntervalSeconds',
    }),
  );
export type WaitPolicy = z.output<typeof WaitPolicy>;

/** Where a check reports its issues (zod's refinement context, as `superRefine` gives it). */
export interface IssueSink {
  addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string; input: unknown }): void;
}

/** A check that spans a deployment input's fields: reports its issues through `ctx`. */
export type InputCheck<T> = (input: T, ctx: IssueSink) => void;

/**
 * Each health-check sample's `targetVariant` must be one of the deployment's variants, and its
 * `targetContainerHostname` one of its containers' hostnames (none outside a multi-container endpoint).
 */
export const samplesTargetTheirVariants: InputCheck<{
  variants: readonly { name: string }[];
  healthCheck: {
    samples: readonly { targetVariant?: string | undefined; targetContainerHostname?: string | undefined }[];
  };
  containers?: readonly { hostname?: string | undefined }[] | undefined;
}> = (input, ctx) => {
  const hostnames = (input.containers ?? []).flatMap((c) => (c.hostname !== undefined ? [c.hostname] : []));
  for (const issue of samplesTargetTheirContainers(input.healthCheck.samples, hostnames)) ctx.addIssue(issue);
  const names = input.variants.map((v) => v.name);
  for (const [i, sample] of input.healthCheck.samples.entries()) {
    if (sample.targetVariant !== undefined && !names.includes(sample.targetVariant)) {
      ctx.addIssue({
        code: 'custom',
        path: ['healthCheck', 'samples', i, 'targetVariant'],
        message: `expected one of the variants (${names.join(', ')})`,
        input: sample.targetVariant,
      });
    }
  }
};

/**
 * Each health-check sample's `targetContainerHostname` must be one of the endpoint's hostnames (`hostnames`, empty
 * for an endpoint that is not invoked per container, where SageMaker refuses the header).
 */
export function samplesTargetTheirContainers(
  samples: readonly { targetContainerHostname?: string | undefined }[],
  hostnames: readonly string[],
): { code: 'custom'; path: PropertyKey[]; message: string; input: unknown }[] {
  return samples.flatMap((sample, i) =>
    sample.targetContainerHostname !== undefined && !hostnames.includes(sample.targetContainerHostname)
      ? [
          {
            code: 'custom' as const,
            path: ['healthCheck', 'samples', i, 'targetContainerHostname'],
            message:
              hostnames.length > 0
                ? `expected one of the container hostnames (${hostnames.join(', ')})`
                : 'only a multi-container endpoint invoked per container (Direct) takes a target container hostname',
            input: sample.targetContainerHostname,
          },
        ]
      : [],
  );
}

/** A label for the model version, written as a tag value (so a tag value's rules) and into events. */
const ModelVersion = taggedValue;

/** What to do with a failed *new* endpoint: delete it (rollback) or keep it for inspection (retain). */
const OnFailure = z._default(z.enum(['rollback', 'retain']), 'rollback');

/** How many endpoint configs (and their models) of an endpoint to keep, the serving one included. */
const RetainVersions = z._default(integer(1, 20), 2);

/** The user's tags for what a deployment creates: at most 40, leaving SageMaker's 50 room for ours. */
export const DeploymentTags = z._default(
  TagMap.check(
    z.refine(
      (tags) => Object.keys(tags).length <= MAX_USER_TAGS,
      `expected at most ${MAX_USER_TAGS} tags (SageMaker allows ${MAX_TAGS_PER_RESOURCE}; we add ours)`,
    ),
  ),
  {},
);

/** The default wait policy. */
const DEFAULT_WAIT: WaitPolicy = { initialIntervalSeconds: 15, maxIntervalSeconds: 120, timeoutMinutes: 60 };

/** The wait policy of a deployment, with its defaults. */
export const DeploymentWait = z._default(WaitPolicy, DEFAULT_WAIT);

/**
 * How a run behaves when another execution is deploying to the same endpoint (holds its lease): it waits, looking
 * again every few seconds (5 s doubling to 60 s), at most `waitMinutes` (0: not at all), then ends with
 * EndpointBusyError naming that execution, having changed nothing.
 */
export const LeaseSettings = z._default(
  z.strictObject({
    waitMinutes: z._default(integer(0, LEASE_WAIT.maxMinutes), LEASE_WAIT.defaultMinutes),
  }),
  { waitMinutes: LEASE_WAIT.defaultMinutes },
);
export type LeaseSettings = z.output<typeof LeaseSettings>;

/** The endpoint as last described by the wait loop. */
export const EndpointStatusSummary = z.object({
  status: z.string(),
  settled: z.boolean(),
  configName: z.optional(z.string()),
  failureReason: z.optional(z.string()),
});
export type EndpointStatusSummary = z.output<typeof EndpointStatusSummary>;

/** Health check results, small enough for the state document. */
export const HealthCheckReport = z.object({
  invocations: z.int(),
  succeeded: z.int(),
  successRate: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), max: z.number() }),
  failures: z.array(z.string()),
  /**
   * An asynchronous endpoint's check: where its samples were uploaded. Its latencies are queue latencies, from
   * InvokeEndpointAsync to the output (or failure) object.
   */
  asyncInference: z.optional(z.object({ inputPrefix: z.string() })),
  /** Invocation attempts SageMaker throttled (ThrottlingException), each retried; absent when none was. */
  throttled: z.optional(z.int()),
  /** Invocation n was sent with InferenceId `<inferenceIdPrefix><n>` (0-based): find it in data capture records. */
  inferenceIdPrefix: z.optional(z.string()),
  /** A multi-model endpoint's models: each one's cold (first) and warm latency, and its own success count. */
  models: z.optional(
    z.array(
      z.object({
        targetModel: z.string(),
        coldMs: z.number(),
        warmMs: z.object({ p50: z.number(), p95: z.number() }),
        succeeded: z.int(),
        invocations: z.int(),
      }),
    ),
  ),
});
export type HealthCheckReport = z.output<typeof HealthCheckReport>;

/** What rolling back did: restored the previous config, deleted a new endpoint, retained it, or nothing. */
const RollbackAction = z.enum(['restore', 'delete', 'retain', 'none']);

/** What StartDeployment did to the endpoint: created it, updated it from `previousConfigName`, or nothing. */
export const EndpointChange = z.object({
  name: z.string(),
  arn: z.string(),
  action: z.enum(['create', 'update', 'none']),
  previousConfigName: z.optional(z.string()),
});
export type EndpointChange = z.output<typeof EndpointChange>;

/** What rolling back did, and (once CompleteRollback ran) what it deleted. */
export const RollbackRecord = z.object({
  action: RollbackAction,
  configName: z.optional(z.string()),
  /** Why nothing was done to the endpoint (it serves a config that is not this run's: left as it is). */
  reason: z.optional(z.string()),
  completed: z.optional(z.boolean()),
  deleted: z.optional(z.array(z.string())),
});
export type RollbackRecord = z.output<typeof RollbackRecord>;

/** What FinalizeDeployment did: the endpoint's tags, what retention deleted, and what it could not. */
export const FinalizedRecord = z.object({
  tags: z.record(z.string(), z.string()),
  deleted: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type FinalizedRecord = z.output<typeof FinalizedRecord>;

/**
 * What every endpoint deployment's input has besides its name and its model: the version label, variants,
 * guardrails, health check, failure policy, retention, tags and wait policy, for a contract to compose.
 */
export const endpointDeploymentFields = {
  modelVersion: z.optional(ModelVersion),
  variants: Variants,
  deployment: z.optional(DeploymentGuardrails),
  healthCheck: HealthCheckSpec,
  onFailure: OnFailure,
  retainVersions: RetainVersions,
  tags: DeploymentTags,
  wait: DeploymentWait,
  lease: LeaseSettings,
};

/** Refuses every serverless variant of a deployment whose model cannot run serverless, saying why (`reason`). */
export function instanceVariantsOnly(reason: string): InputCheck<{ variants: readonly { serverless?: unknown }[] }> {
  return (input, ctx) => {
    for (const [i, variant] of input.variants.entries()) {
      if (variant.serverless !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'serverless'],
          message: reason,
          input: variant.serverless,
        });
      }
    }
  };
}

/** A size SageMaker bounds by a percentage of each variant's instance count (limits.ts, GUARDRAIL_PERCENT). */
type SizeRule = (typeof GUARDRAIL_PERCENT)[keyof typeof GUARDRAIL_PERCENT];

/** Why `size` breaks `rule` for variants of `counts` instances (`what` names the size), or undefined. */
function capacitySizeProblem(
  size: CapacitySize,
  rule: SizeRule,
  what: string,
  variants: readonly { name: string; count: number }[],
): string | undefined {
  const range = rule.min > 0 ? `${rule.min}-${rule.max}%` : `at most ${rule.max}%`;
  if (size.type === 'CAPACITY_PERCENT') {
    const fits = size.value >= rule.min && size.value <= rule.max;
    return fits ? undefined : `expected ${range} of capacity (SageMaker's ${what} limit); got ${size.value}%`;
  }
  const off = variants.find((v) => size.value * 100 > rule.max * v.count || size.value * 100 < rule.min * v.count);
  return off === undefined
    ? undefined
    : `expected ${range} of each variant's instances (SageMaker's ${what} limit); ${size.value} of ${off.name}'s ${off.count} is ${Math.round((100 * size.value) / off.count)}%`;
}

/** How many steps of `size` shift the largest of the variants (`counts`) over: the baking periods between them. */
function stepsOf(size: CapacitySize, counts: readonly number[]): number {
  if (size.type === 'CAPACITY_PERCENT') return Math.ceil(100 / size.value);
  return Math.max(1, ...counts.map((count) => Math.ceil(count / size.value)));
}

/**
 * The deployment guardrails against the variants and the wait policy: canary, linear and rolling sizes within
 * SageMaker's percentages of each variant's instances (limits.ts, GUARDRAIL_PERCENT); no rolling deployment of a
 * serverless or multi-variant endpoint (DG deployment-guardrails-exclusions); and a wait deadline that outlasts
 * what the guardrails take for sure (the baking periods between steps, and a maximum execution time the user set),
 * so that a healthy deployment is never rolled back for taking as long as it was told to.
 */
export const guardrailsFitTheEndpoint: InputCheck<{
  variants: readonly { name: string; initialInstanceCount: number; serverless?: unknown }[];
  deployment?: DeploymentGuardrails | undefined;
  wait: WaitPolicy;
}> = (input, ctx) => {
  const { deployment, variants } = input;
  if (deployment === undefined) return;
  const instances = variants
    .filter((v) => v.serverless === undefined)
    .map((v) => ({ name: v.name, count: v.initialInstanceCount }));
  const counts = instances.map((v) => v.count);
  const issue = (path: PropertyKey[], message: string | undefined, value: unknown) => {
    if (message !== undefined) ctx.addIssue({ code: 'custom', path: ['deployment', ...path], message, input: value });
  };
  const needs: { seconds: number; why: string }[] = [];
  const { blueGreen, rolling } = deployment;
  if (blueGreen !== undefined) {
    const routing = blueGreen.trafficRouting;
    const at = ['blueGreen', 'trafficRouting'];
    if (routing.canarySize !== undefined) {
      const rule = GUARDRAIL_PERCENT.canarySize;
      issue(
        [...at, 'canarySize'],
        capacitySizeProblem(routing.canarySize, rule, 'canary', instances),
        routing.canarySize,
      );
    }
    if (routing.linearStepSize !== undefined) {
      const rule = GUARDRAIL_PERCENT.linearStepSize;
      const problem = capacitySizeProblem(routing.linearStepSize, rule, 'linear step', instances);
      issue([...at, 'linearStepSize'], problem, routing.linearStepSize);
    }
    const bakes =
      routing.type === 'CANARY' ? 1 : routing.linearStepSize ? stepsOf(routing.linearStepSize, counts) - 1 : 0;
    needs.push({
      seconds: bakes * routing.waitIntervalInSeconds + (blueGreen.terminationWaitInSeconds ?? 0),
      why: 'bake',
    });
    if (blueGreen.maximumExecutionTimeoutInSeconds !== undefined) {
      needs.push({ seconds: blueGreen.maximumExecutionTimeoutInSeconds, why: 'max' });
    }
  }
  if (rolling !== undefined) {
    const rule = GUARDRAIL_PERCENT.maximumBatchSize;
    const problem = capacitySizeProblem(rolling.maximumBatchSize, rule, 'rolling batch', instances);
    issue(['rolling', 'maximumBatchSize'], problem, rolling.maximumBatchSize);
    if (instances.length < variants.length) {
      issue(['rolling'], 'SageMaker does not roll out to serverless variants: use blueGreen', 'rolling');
    } else if (variants.length > 1) {
      issue(['rolling'], 'SageMaker does not roll out to an endpoint of several variants: use blueGreen', 'rolling');
    }
    needs.push({
      seconds: (stepsOf(rolling.maximumBatchSize, counts) - 1) * rolling.waitIntervalInSeconds,
      why: 'bake',
    });
    if (rolling.maximumExecutionTimeoutInSeconds !== undefined) {
      needs.push({ seconds: rolling.maximumExecutionTimeoutInSeconds, why: 'max' });
    }
  }
  const longest = needs.reduce((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, why: 'bake' });
  if (longest.seconds > input.wait.timeoutMinutes * 60) {
    const reason =
      longest.why === 'max'
        ? `SageMaker may take the ${longest.seconds} s of maximumExecutionTimeoutInSeconds`
        : `the guardrails' baking periods alone take ${longest.seconds} s`;
    ctx.addIssue({
      code: 'custom',
      path: ['wait', 'timeoutMinutes'],
      message: `expected at least ${Math.ceil(longest.seconds / 60)} minutes: ${reason}`,
      input: input.wait.timeoutMinutes,
    });
  }
};
