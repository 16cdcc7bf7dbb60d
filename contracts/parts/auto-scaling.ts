/**
 * Autoscaling contract part: the `autoScaling` settings a DeployEndpoint input gives its instance variants (keyed by
 * variant name), checked against the variants; the names Application Auto Scaling knows a SageMaker variant by; and
 * what the autoscaling steps record in the state document. Ranges follow the Application Auto Scaling API reference
 * (RegisterScalableTarget, TargetTrackingScalingPolicyConfiguration, CustomizedMetricSpecification) and SageMaker's
 * autoscaling guide (DG endpoint-auto-scaling, async-inference-autoscale).
 */
import * as z from 'zod/mini';
import { integer, sageMakerName } from '../contract-parts.ts';
import type { IssueSink } from './endpoint.ts';

/** Application Auto Scaling's service namespace for SageMaker. */
export const SCALING_NAMESPACE = 'sagemaker';

/** The dimension of a SageMaker variant that autoscaling changes: its instance count. */
export const SCALABLE_DIMENSION = 'sagemaker:variant:DesiredInstanceCount';

/** The dimension of an inference component that autoscaling changes: its copy count. */
export const COPY_COUNT_DIMENSION = 'sagemaker:inference-component:DesiredCopyCount';

/** How Application Auto Scaling names an inference component (reference §3: inference-component/<name>). */
export function componentResourceId(componentName: string): string {
  return `inference-component/${componentName}`;
}

/** Application Auto Scaling's predefined metric of an inference component: invocations per copy per minute. */
export const INVOCATIONS_PER_COPY = 'SageMakerInferenceComponentInvocationsPerCopy';

/** The name of the target-tracking policy this project puts on each variant (one policy per scalable target). */
export const SCALING_POLICY_NAME = 'sagemaker-workflows-target-tracking';

/** How Application Auto Scaling names a SageMaker variant (DG endpoint-auto-scaling-add-code-register). */
export function variantResourceId(endpointName: string, variantName: string): string {
  return `endpoint/${endpointName}/variant/${variantName}`;
}

/** The variant a resource id names on `endpointName`, or undefined for another endpoint's variant. */
export function variantOfResourceId(endpointName: string, resourceId: string): string | undefined {
  const prefix = `endpoint/${endpointName}/variant/`;
  return resourceId.startsWith(prefix) ? resourceId.slice(prefix.length) : undefined;
}

/** Application Auto Scaling's predefined metric of a SageMaker variant: invocations per instance per minute. */
export const INVOCATIONS_PER_INSTANCE = 'SageMakerVariantInvocationsPerInstance';

/**
 * The queue length per instance of an asynchronous endpoint, which SageMaker publishes in AWS/SageMaker with the
 * dimension EndpointName; tracked as a customized metric with the Average statistic (DG async-inference-autoscale).
 */
export const BACKLOG_PER_INSTANCE = 'ApproximateBacklogSizePerInstance';

/** CloudWatch's units (StandardUnit), which a customized metric's unit must be one of. */
const METRIC_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

/** A CloudWatch name: 1-255 characters, not only blanks. */
const metricName = (what: string) =>
  z.string().check(z.minLength(1), z.maxLength(255), z.regex(/\S/, `expected a CloudWatch ${what}`));

/** A metric of the user's own for target tracking (Application Auto Scaling CustomizedMetricSpecification). */
const CustomScalingMetric = z.strictObject({
  namespace: metricName('namespace').check(z.regex(/^[^:]/, 'expected a CloudWatch namespace (not starting with ":")')),
  metricName: metricName('metric name'),
  dimensions: z._default(
    z
      .array(
        z.strictObject({
          name: metricName('dimension name'),
          value: z.string().check(z.minLength(1), z.maxLength(1024)),
        }),
      )
      .check(z.maxLength(30)),
    [],
  ),
  statistic: z.enum(['Average', 'Minimum', 'Maximum', 'SampleCount', 'Sum']),
  unit: z.optional(z.enum(METRIC_UNITS)),
});

/** Seconds of a cooldown (Application Auto Scaling: an Integer, 0 or more). */
const cooldownSeconds = integer(0, 2_147_483_647);

/**
 * Target tracking: keep a metric per instance at a target value. The metric is the predefined invocations metric or
 * an async endpoint's backlog per instance (`metric`), or a metric of the user's own (`customMetric`).
 */
export const TargetTracking = z
  .strictObject({
    metric: z.optional(z.enum([INVOCATIONS_PER_INSTANCE, BACKLOG_PER_INSTANCE])),
    customMetric: z.optional(CustomScalingMetric),
    targetValue: z.number().check(z.gt(0), z.lte(2 ** 360)),
    scaleInCooldownSeconds: z.optional(cooldownSeconds),
    scaleOutCooldownSeconds: z.optional(cooldownSeconds),
    disableScaleIn: z._default(z.boolean(), false),
  })
  .check(
    z.refine((t) => (t.metric === undefined) !== (t.customMetric === undefined), {
      path: ['metric'],
      message: `expected exactly one of metric (${INVOCATIONS_PER_INSTANCE} or ${BACKLOG_PER_INSTANCE}) or customMetric`,
    }),
  );
export type TargetTracking = z.output<typeof TargetTracking>;

/**
 * One instance variant's autoscaling: its capacity range (a SageMaker variant has at most 1000 instances, as
 * `initialInstanceCount`) and a target-tracking policy.
 */
export const VariantAutoScaling = z
  .strictObject({
    minCapacity: integer(0, 1000),
    maxCapacity: integer(1, 1000),
    targetTracking: TargetTracking,
  })
  .check(
    z.refine((s) => s.minCapacity <= s.maxCapacity, {
      path: ['minCapacity'],
      message: 'expected at most maxCapacity',
    }),
  );
export type VariantAutoScaling = z.output<typeof VariantAutoScaling>;

/** The `autoScaling` input member: settings per instance variant, by variant name. */
export const AutoScalingByVariant = z.record(sageMakerName, VariantAutoScaling);
export type AutoScalingByVariant = z.output<typeof AutoScalingByVariant>;

/**
 * Each `autoScaling` entry names an instance variant of the input (SageMaker scales a serverless variant by itself,
 * and only its provisioned concurrency is a scalable dimension); a minimum of 0 instances and the backlog metric
 * belong to an asynchronous endpoint (the input's `async` member), the only kind SageMaker scales to zero
 * (DG async-inference-autoscale).
 */
export function autoScalingFitsTheVariants(
  input: {
    variants: readonly { name: string; serverless?: unknown }[];
    autoScaling?: AutoScalingByVariant | undefined;
    async?: unknown;
  },
  ctx: IssueSink,
): void {
  const settings = input.autoScaling;
  if (settings === undefined) return;
  const isAsync = input.async !== undefined;
  const names = input.variants.map((v) => v.name);
  for (const [name, scaling] of Object.entries(settings)) {
    const at = ['autoScaling', name];
    const variant = input.variants.find((v) => v.name === name);
    if (variant === undefined) {
      const message = `expected the name of one of the variants (${names.join(', ')})`;
      ctx.addIssue({ code: 'custom', path: at, message, input: name });
      continue;
    }
    if (variant.serverless !== undefined) {
      const message = 'autoscaling applies to instance variants: SageMaker scales a serverless variant by itself';
      ctx.addIssue({ code: 'custom', path: at, message, input: name });
      continue;
    }
    if (scaling.minCapacity === 0 && !isAsync) {
      const message = 'expected at least 1: only an asynchronous endpoint (async) scales to zero instances';
      ctx.addIssue({ code: 'custom', path: [...at, 'minCapacity'], message, input: 0 });
    }
    if (scaling.targetTracking.metric === BACKLOG_PER_INSTANCE && !isAsync) {
      const message = `${BACKLOG_PER_INSTANCE} is an asynchronous endpoint's metric: expected ${INVOCATIONS_PER_INSTANCE} or a custom metric`;
      ctx.addIssue({ code: 'custom', path: [...at, 'targetTracking', 'metric'], message, input: BACKLOG_PER_INSTANCE });
    }
  }
}

/**
 * One inference component's autoscaling: its copy-count range (at least one copy: scaling to zero needs the
 * endpoint's ManagedInstanceScaling at 0 instances and a step-scaling policy, not offered here) and target tracking
 * of its invocations per copy per minute (SageMakerInferenceComponentInvocationsPerCopy).
 */
export const ComponentAutoScaling = z
  .strictObject({
    minCapacity: integer(1, 1000),
    maxCapacity: integer(1, 1000),
    targetTracking: z.strictObject({
      /** Invocations per copy per minute to keep each copy at. */
      targetValue: z.number().check(z.gt(0), z.lte(2 ** 360)),
      scaleInCooldownSeconds: z.optional(cooldownSeconds),
      scaleOutCooldownSeconds: z.optional(cooldownSeconds),
      disableScaleIn: z._default(z.boolean(), false),
    }),
  })
  .check(
    z.refine((s) => s.minCapacity <= s.maxCapacity, {
      path: ['minCapacity'],
      message: 'expected at most maxCapacity',
    }),
  );
export type ComponentAutoScaling = z.output<typeof ComponentAutoScaling>;

// ---------------------------------------------------------------------------------------------
// What the autoscaling steps record in the state document.
// ---------------------------------------------------------------------------------------------

/** One scaling policy of a scalable target, as Application Auto Scaling describes it (its configuration verbatim). */
export const RecordedScalingPolicy = z.object({
  policyName: z.string(),
  policyType: z.string(),
  /** TargetTrackingScalingPolicyConfiguration, StepScalingPolicyConfiguration or PredictiveScalingPolicyConfiguration. */
  configuration: z.record(z.string(), z.unknown()),
});
export type RecordedScalingPolicy = z.output<typeof RecordedScalingPolicy>;

/** A scalable target's registration: its capacity range, suspended state and policies. */
export const RecordedScaling = z.object({
  minCapacity: z.int(),
  maxCapacity: z.int(),
  /** SuspendedState as registered. */
  suspendedState: z.optional(z.record(z.string(), z.boolean())),
  policies: z.array(RecordedScalingPolicy),
});
export type RecordedScaling = z.output<typeof RecordedScaling>;

/** A variant registered as a scalable target, with its policies. */
export const RecordedScalingTarget = z.extend(RecordedScaling, { variantName: z.string() });
export type RecordedScalingTarget = z.output<typeof RecordedScalingTarget>;

/**
 * What the autoscaling steps did: the registration before the deployment (`previous`, restored on rollback), the
 * variants deregistered before the update (`suspended`), what a verified deployment registered (`applied`) and
 * whether a rollback restored `previous`.
 */
export const AutoScalingRecord = z.object({
  previous: z.array(RecordedScalingTarget),
  suspended: z.optional(z.array(z.string())),
  applied: z.optional(z.array(RecordedScalingTarget)),
  restored: z.optional(z.boolean()),
});
export type AutoScalingRecord = z.output<typeof AutoScalingRecord>;

/**
 * What the component autoscaling steps did: the component's registration before the deployment (`previous`, absent
 * when it had none; restored on rollback), whether it was suspended for the update, what a verified deployment
 * registered (`applied`, absent for none) and whether a rollback restored `previous`.
 */
export const ComponentAutoScalingRecord = z.object({
  previous: z.optional(RecordedScaling),
  suspended: z.optional(z.boolean()),
  applied: z.optional(RecordedScaling),
  restored: z.optional(z.boolean()),
});
export type ComponentAutoScalingRecord = z.output<typeof ComponentAutoScalingRecord>;
