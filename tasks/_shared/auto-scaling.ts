/**
 * Application Auto Scaling for SageMaker endpoint variants and inference components, as the autoscaling steps use
 * it: gateways over the SDK client (throttling becomes SageMakerThrottledError, which the workflows retry), and
 * `reconcileScaling` / `reconcileComponentScaling`, which make a registration exactly a given one (used to apply new
 * settings and to restore previous ones).
 */
import {
  type ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalableTarget,
} from '@aws-sdk/client-application-auto-scaling';
import {
  BACKLOG_PER_INSTANCE,
  COPY_COUNT_DIMENSION,
  type ComponentAutoScaling,
  componentResourceId,
  INVOCATIONS_PER_COPY,
  INVOCATIONS_PER_INSTANCE,
  type RecordedScaling,
  type RecordedScalingPolicy,
  type RecordedScalingTarget,
  SCALABLE_DIMENSION,
  SCALING_NAMESPACE,
  SCALING_POLICY_NAME,
  type VariantAutoScaling,
  variantOfResourceId,
  variantResourceId,
} from '../../contracts/parts/auto-scaling.ts';
import { callSageMaker } from './sagemaker.ts';

/** Every Application Auto Scaling call a step makes, for the variants of one endpoint. */
export interface AutoScalingGateway {
  /** The endpoint's variants registered as scalable targets, with their policies. */
  describeTargets(endpointName: string): Promise<RecordedScalingTarget[]>;
  register(endpointName: string, target: RecordedScalingTarget): Promise<void>;
  /** Deregisters a variant (and so deletes its policies); true if it was registered. */
  deregister(endpointName: string, variantName: string): Promise<boolean>;
  putPolicy(endpointName: string, variantName: string, policy: RecordedScalingPolicy): Promise<void>;
  deletePolicy(endpointName: string, variantName: string, policyName: string): Promise<void>;
}

/** Every Application Auto Scaling call a step makes for one inference component's copy count. */
export interface ComponentScalingGateway {
  /** The component's registration with its policies, or undefined when it is not registered. */
  describe(componentName: string): Promise<RecordedScaling | undefined>;
  register(componentName: string, registration: RecordedScaling): Promise<void>;
  /** Deregisters the component (and so deletes its policies); true if it was registered. */
  deregister(componentName: string): Promise<boolean>;
  putPolicy(componentName: string, policy: RecordedScalingPolicy): Promise<void>;
  deletePolicy(componentName: string, policyName: string): Promise<void>;
}

/** One scalable target, as every Application Auto Scaling call names it. */
interface TargetKey {
  ServiceNamespace: typeof SCALING_NAMESPACE;
  ResourceId: string;
  ScalableDimension: typeof SCALABLE_DIMENSION | typeof COPY_COUNT_DIMENSION;
}

const variantKey = (endpointName: string, variantName: string): TargetKey => ({
  ServiceNamespace: SCALING_NAMESPACE,
  ResourceId: variantResourceId(endpointName, variantName),
  ScalableDimension: SCALABLE_DIMENSION,
});

const componentKey = (componentName: string): TargetKey => ({
  ServiceNamespace: SCALING_NAMESPACE,
  ResourceId: componentResourceId(componentName),
  ScalableDimension: COPY_COUNT_DIMENSION,
});

const isObjectNotFound = (error: unknown) => error instanceof Error && error.name === 'ObjectNotFoundException';

/** A described target's range and suspended state (its policies are read apart). */
function registrationOf(t: ScalableTarget): RecordedScaling {
  return {
    minCapacity: t.MinCapacity ?? 0,
    maxCapacity: t.MaxCapacity ?? 0,
    ...(t.SuspendedState
      ? {
          suspendedState: Object.fromEntries(Object.entries(t.SuspendedState).filter(([, v]) => v !== undefined)),
        }
      : {}),
    policies: [],
  };
}

/** The Application Auto Scaling calls on one target, shared by the variant and the component gateways. */
function targetCalls(client: ApplicationAutoScalingClient) {
  return {
    async policies(key: TargetKey): Promise<RecordedScalingPolicy[]> {
      const found: RecordedScalingPolicy[] = [];
      let token: string | undefined;
      do {
        const out = await callSageMaker('DescribeScalingPolicies', () =>
          client.send(new DescribeScalingPoliciesCommand({ ...key, ...(token ? { NextToken: token } : {}) })),
        );
        for (const p of out.ScalingPolicies ?? []) {
          const configuration =
            p.TargetTrackingScalingPolicyConfiguration ??
            p.StepScalingPolicyConfiguration ??
            p.PredictiveScalingPolicyConfiguration ??
            {};
          found.push({
            policyName: p.PolicyName ?? '',
            policyType: p.PolicyType ?? '',
            configuration: JSON.parse(JSON.stringify(configuration)) as Record<string, unknown>,
          });
        }
        token = out.NextToken;
      } while (token);
      return found;
    },
    async register(key: TargetKey, registration: RecordedScaling): Promise<void> {
      await callSageMaker('RegisterScalableTarget', () =>
        client.send(
          new RegisterScalableTargetCommand({
            ...key,
            MinCapacity: registration.minCapacity,
            MaxCapacity: registration.maxCapacity,
            ...(registration.suspendedState ? { SuspendedState: registration.suspendedState } : {}),
          }),
        ),
      );
    },
    async deregister(key: TargetKey): Promise<boolean> {
      try {
        await callSageMaker('DeregisterScalableTarget', () => client.send(new DeregisterScalableTargetCommand(key)));
        return true;
      } catch (error) {
        // Already deregistered (a retried step, or the resource was deleted): the outcome wanted.
        if (isObjectNotFound(error)) return false;
        throw error;
      }
    },
    async putPolicy(key: TargetKey, policy: RecordedScalingPolicy): Promise<void> {
      const configurationMember =
        policy.policyType === 'TargetTrackingScaling'
          ? 'TargetTrackingScalingPolicyConfiguration'
          : policy.policyType === 'StepScaling'
            ? 'StepScalingPolicyConfiguration'
            : 'PredictiveScalingPolicyConfiguration';
      await callSageMaker('PutScalingPolicy', () =>
        client.send(
          new PutScalingPolicyCommand({
            ...key,
            PolicyName: policy.policyName,
            PolicyType: policy.policyType as 'TargetTrackingScaling',
            [configurationMember]: policy.configuration,
          }),
        ),
      );
    },
    async deletePolicy(key: TargetKey, policyName: string): Promise<void> {
      try {
        await callSageMaker('DeleteScalingPolicy', () =>
          client.send(new DeleteScalingPolicyCommand({ ...key, PolicyName: policyName })),
        );
      } catch (error) {
        if (!isObjectNotFound(error)) throw error;
      }
    },
  };
}

/** The AutoScalingGateway backed by the AWS SDK client. */
export function autoScalingGateway(client: ApplicationAutoScalingClient): AutoScalingGateway {
  const calls = targetCalls(client);
  return {
    async describeTargets(endpointName) {
      const found: RecordedScalingTarget[] = [];
      let token: string | undefined;
      do {
        const out = await callSageMaker('DescribeScalableTargets', () =>
          client.send(
            new DescribeScalableTargetsCommand({
              ServiceNamespace: SCALING_NAMESPACE,
              ScalableDimension: SCALABLE_DIMENSION,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        for (const t of out.ScalableTargets ?? []) {
          const variantName = variantOfResourceId(endpointName, t.ResourceId ?? '');
          if (variantName !== undefined) found.push({ variantName, ...registrationOf(t) });
        }
        token = out.NextToken;
      } while (token);
      for (const registered of found) {
        registered.policies = await calls.policies(variantKey(endpointName, registered.variantName));
      }
      return found;
    },
    register: (endpointName, registration) =>
      calls.register(variantKey(endpointName, registration.variantName), registration),
    deregister: (endpointName, variantName) => calls.deregister(variantKey(endpointName, variantName)),
    putPolicy: (endpointName, variantName, policy) => calls.putPolicy(variantKey(endpointName, variantName), policy),
    deletePolicy: (endpointName, variantName, policyName) =>
      calls.deletePolicy(variantKey(endpointName, variantName), policyName),
  };
}

/** The ComponentScalingGateway backed by the AWS SDK client. */
export function componentScalingGateway(client: ApplicationAutoScalingClient): ComponentScalingGateway {
  const calls = targetCalls(client);
  return {
    async describe(componentName) {
      const key = componentKey(componentName);
      const out = await callSageMaker('DescribeScalableTargets', () =>
        client.send(
          new DescribeScalableTargetsCommand({
            ServiceNamespace: key.ServiceNamespace,
            ScalableDimension: key.ScalableDimension,
            ResourceIds: [key.ResourceId],
          }),
        ),
      );
      const target = (out.ScalableTargets ?? []).find((t) => t.ResourceId === key.ResourceId);
      if (target === undefined) return undefined;
      return { ...registrationOf(target), policies: await calls.policies(key) };
    },
    register: (componentName, registration) => calls.register(componentKey(componentName), registration),
    deregister: (componentName) => calls.deregister(componentKey(componentName)),
    putPolicy: (componentName, policy) => calls.putPolicy(componentKey(componentName), policy),
    deletePolicy: (componentName, policyName) => calls.deletePolicy(componentKey(componentName), policyName),
  };
}

/** Scaling is not suspended in any direction: what a verified deployment registers. */
const RESUMED = {
  DynamicScalingInSuspended: false,
  DynamicScalingOutSuspended: false,
  ScheduledScalingSuspended: false,
};

/** Scaling suspended in every direction: a target held still while its resource is updated (AAS user guide, "Suspend and resume scaling"). */
export const SUSPENDED = {
  DynamicScalingInSuspended: true,
  DynamicScalingOutSuspended: true,
  ScheduledScalingSuspended: true,
};

/**
 * The registration a variant's `autoScaling` settings ask for: its capacity range and one target-tracking policy on
 * the invocations metric, an async endpoint's backlog per instance (AWS/SageMaker, EndpointName, Average: DG
 * async-inference-autoscale) or the user's own metric.
 */
export function desiredRegistration(
  endpointName: string,
  variantName: string,
  settings: VariantAutoScaling,
): RecordedScalingTarget {
  const tracking = settings.targetTracking;
  const { metric, customMetric } = tracking;
  const metricSpecification =
    customMetric !== undefined
      ? {
          CustomizedMetricSpecification: {
            MetricName: customMetric.metricName,
            Namespace: customMetric.namespace,
            Dimensions: customMetric.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
            Statistic: customMetric.statistic,
            ...(customMetric.unit !== undefined ? { Unit: customMetric.unit } : {}),
          },
        }
      : metric === INVOCATIONS_PER_INSTANCE
        ? { PredefinedMetricSpecification: { PredefinedMetricType: INVOCATIONS_PER_INSTANCE } }
        : {
            CustomizedMetricSpecification: {
              MetricName: BACKLOG_PER_INSTANCE,
              Namespace: 'AWS/SageMaker',
              Dimensions: [{ Name: 'EndpointName', Value: endpointName }],
              Statistic: 'Average',
            },
          };
  return {
    variantName,
    minCapacity: settings.minCapacity,
    maxCapacity: settings.maxCapacity,
    suspendedState: RESUMED,
    policies: [
      {
        policyName: SCALING_POLICY_NAME,
        policyType: 'TargetTrackingScaling',
        configuration: targetTrackingConfiguration(tracking, metricSpecification),
      },
    ],
  };
}

/** A variant as the rule below compares it: its name and instance type (a serverless variant has none). */
export interface SizedVariant {
  readonly name: string;
  readonly instanceType?: string | undefined;
}

/**
 * Of the registered variants, those SageMaker refuses to update the endpoint with while they stay registered: the
 * ones the next config removes or gives another instance type (DG endpoint-scaling-update: "you can't change the
 * instance type ... of a variant that has autoscaling registered"; a new model alone is allowed). A variant the
 * current config does not show is counted too (nothing proves the update leaves it alone). Shared by
 * SuspendAutoScaling (before the deployment's update) and StartRollback (before the update back).
 */
export function variantsBlockingUpdate(
  registered: readonly string[],
  current: readonly SizedVariant[],
  next: readonly SizedVariant[],
): string[] {
  return registered.filter((variantName) => {
    const now = current.find((v) => v.name === variantName);
    const then = next.find((v) => v.name === variantName);
    return now === undefined || then === undefined || now.instanceType !== then.instanceType;
  });
}

/** A config's variants, as variantsBlockingUpdate compares them. */
export function sizedVariants(
  config:
    | { ProductionVariants: readonly { VariantName?: string | undefined; InstanceType?: string | undefined }[] }
    | undefined,
): SizedVariant[] {
  return (config?.ProductionVariants ?? []).map((v) => ({ name: v.VariantName ?? '', instanceType: v.InstanceType }));
}

/**
 * Makes the endpoint's registration exactly `desired`: deregisters every other variant, registers each desired one
 * (register updates an existing target in place) and puts its policies, deleting the target's other policies.
 * Idempotent: running it again after a partial run ends in the same registration.
 */
export async function reconcileScaling(
  gateway: AutoScalingGateway,
  endpointName: string,
  desired: readonly RecordedScalingTarget[],
): Promise<void> {
  const current = await gateway.describeTargets(endpointName);
  for (const registered of current) {
    if (!desired.some((d) => d.variantName === registered.variantName)) {
      await gateway.deregister(endpointName, registered.variantName);
    }
  }
  for (const wanted of desired) {
    await gateway.register(endpointName, wanted);
    await replacePolicies(
      current.find((c) => c.variantName === wanted.variantName)?.policies ?? [],
      wanted.policies,
      (name) => gateway.deletePolicy(endpointName, wanted.variantName, name),
      (policy) => gateway.putPolicy(endpointName, wanted.variantName, policy),
    );
  }
}

/** Makes a registered target's policies `wanted`: deletes the others (and those changing type), puts each wanted one. */
async function replacePolicies(
  existing: readonly RecordedScalingPolicy[],
  wanted: readonly RecordedScalingPolicy[],
  deletePolicy: (name: string) => Promise<void>,
  putPolicy: (policy: RecordedScalingPolicy) => Promise<void>,
): Promise<void> {
  for (const stale of existing) {
    const kept = wanted.find((p) => p.policyName === stale.policyName);
    // A policy cannot change between target tracking and another type in place: delete it first.
    if (kept === undefined || kept.policyType !== stale.policyType) await deletePolicy(stale.policyName);
  }
  for (const policy of wanted) await putPolicy(policy);
}

/**
 * The registration a component's `autoScaling` settings ask for: its copy-count range, not suspended, and one
 * target-tracking policy on its invocations per copy.
 */
export function desiredComponentRegistration(settings: ComponentAutoScaling): RecordedScaling {
  const tracking = settings.targetTracking;
  return {
    minCapacity: settings.minCapacity,
    maxCapacity: settings.maxCapacity,
    suspendedState: RESUMED,
    policies: [
      {
        policyName: SCALING_POLICY_NAME,
        policyType: 'TargetTrackingScaling',
        configuration: targetTrackingConfiguration(tracking, {
          PredefinedMetricSpecification: { PredefinedMetricType: INVOCATIONS_PER_COPY },
        }),
      },
    ],
  };
}

/**
 * Makes a component's registration exactly `desired` (undefined: not registered): registers it (in place when it
 * is) and replaces its policies, or deregisters it. Idempotent, like reconcileScaling.
 */
export async function reconcileComponentScaling(
  gateway: ComponentScalingGateway,
  componentName: string,
  desired: RecordedScaling | undefined,
): Promise<void> {
  const current = await gateway.describe(componentName);
  if (desired === undefined) {
    if (current !== undefined) await gateway.deregister(componentName);
    return;
  }
  await gateway.register(componentName, desired);
  await replacePolicies(
    current?.policies ?? [],
    desired.policies,
    (name) => gateway.deletePolicy(componentName, name),
    (policy) => gateway.putPolicy(componentName, policy),
  );
}

/** A target-tracking policy's configuration: the target on `metric`, the cooldowns asked for, and scale-in. */
function targetTrackingConfiguration(
  tracking: {
    targetValue: number;
    scaleInCooldownSeconds?: number | undefined;
    scaleOutCooldownSeconds?: number | undefined;
    disableScaleIn: boolean;
  },
  metric: Record<string, unknown>,
): Record<string, unknown> {
  return {
    TargetValue: tracking.targetValue,
    ...metric,
    ...(tracking.scaleInCooldownSeconds !== undefined ? { ScaleInCooldown: tracking.scaleInCooldownSeconds } : {}),
    ...(tracking.scaleOutCooldownSeconds !== undefined ? { ScaleOutCooldown: tracking.scaleOutCooldownSeconds } : {}),
    DisableScaleIn: tracking.disableScaleIn,
  };
}
