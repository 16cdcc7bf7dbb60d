/**
 * Application Auto Scaling for SageMaker endpoint variants, as the autoscaling steps use it: a gateway over the SDK
 * client (throttling becomes SageMakerThrottledError, which the workflows retry), and `reconcileScaling`, which makes
 * an endpoint's registration exactly a given one (used to apply new settings and to restore previous ones).
 */
import {
  type ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  BACKLOG_PER_INSTANCE,
  INVOCATIONS_PER_INSTANCE,
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

const target = (endpointName: string, variantName: string) =>
  ({
    ServiceNamespace: SCALING_NAMESPACE,
    ResourceId: variantResourceId(endpointName, variantName),
    ScalableDimension: SCALABLE_DIMENSION,
  }) as const;

const isObjectNotFound = (error: unknown) => error instanceof Error && error.name === 'ObjectNotFoundException';

/** The AutoScalingGateway backed by the AWS SDK client. */
export function autoScalingGateway(client: ApplicationAutoScalingClient): AutoScalingGateway {
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
          if (variantName === undefined) continue;
          found.push({
            variantName,
            minCapacity: t.MinCapacity ?? 0,
            maxCapacity: t.MaxCapacity ?? 0,
            ...(t.SuspendedState
              ? {
                  suspendedState: Object.fromEntries(
                    Object.entries(t.SuspendedState).filter(([, v]) => v !== undefined),
                  ),
                }
              : {}),
            policies: [],
          });
        }
        token = out.NextToken;
      } while (token);
      for (const registered of found) {
        let policyToken: string | undefined;
        do {
          const out = await callSageMaker('DescribeScalingPolicies', () =>
            client.send(
              new DescribeScalingPoliciesCommand({
                ...target(endpointName, registered.variantName),
                ...(policyToken ? { NextToken: policyToken } : {}),
              }),
            ),
          );
          for (const p of out.ScalingPolicies ?? []) {
            const configuration =
              p.TargetTrackingScalingPolicyConfiguration ??
              p.StepScalingPolicyConfiguration ??
              p.PredictiveScalingPolicyConfiguration ??
              {};
            registered.policies.push({
              policyName: p.PolicyName ?? '',
              policyType: p.PolicyType ?? '',
              configuration: JSON.parse(JSON.stringify(configuration)) as Record<string, unknown>,
            });
          }
          policyToken = out.NextToken;
        } while (policyToken);
      }
      return found;
    },
    async register(endpointName, registration) {
      await callSageMaker('RegisterScalableTarget', () =>
        client.send(
          new RegisterScalableTargetCommand({
            ...target(endpointName, registration.variantName),
            MinCapacity: registration.minCapacity,
            MaxCapacity: registration.maxCapacity,
            ...(registration.suspendedState ? { SuspendedState: registration.suspendedState } : {}),
          }),
        ),
      );
    },
    async deregister(endpointName, variantName) {
      try {
        await callSageMaker('DeregisterScalableTarget', () =>
          client.send(new DeregisterScalableTargetCommand(target(endpointName, variantName))),
        );
        return true;
      } catch (error) {
        // Already deregistered (a retried step, or the endpoint was deleted): the outcome wanted.
        if (isObjectNotFound(error)) return false;
        throw error;
      }
    },
    async putPolicy(endpointName, variantName, policy) {
      const configurationMember =
        policy.policyType === 'TargetTrackingScaling'
          ? 'TargetTrackingScalingPolicyConfiguration'
          : policy.policyType === 'StepScaling'
            ? 'StepScalingPolicyConfiguration'
            : 'PredictiveScalingPolicyConfiguration';
      await callSageMaker('PutScalingPolicy', () =>
        client.send(
          new PutScalingPolicyCommand({
            ...target(endpointName, variantName),
            PolicyName: policy.policyName,
            PolicyType: policy.policyType as 'TargetTrackingScaling',
            [configurationMember]: policy.configuration,
          }),
        ),
      );
    },
    async deletePolicy(endpointName, variantName, policyName) {
      try {
        await callSageMaker('DeleteScalingPolicy', () =>
          client.send(new DeleteScalingPolicyCommand({ ...target(endpointName, variantName), PolicyName: policyName })),
        );
      } catch (error) {
        if (!isObjectNotFound(error)) throw error;
      }
    },
  };
}

/** Scaling is not suspended in any direction: what a verified deployment registers. */
const RESUMED = {
  DynamicScalingInSuspended: false,
  DynamicScalingOutSuspended: false,
  ScheduledScalingSuspended: false,
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
        configuration: {
          TargetValue: tracking.targetValue,
          ...metricSpecification,
          ...(tracking.scaleInCooldownSeconds !== undefined
            ? { ScaleInCooldown: tracking.scaleInCooldownSeconds }
            : {}),
          ...(tracking.scaleOutCooldownSeconds !== undefined
            ? { ScaleOutCooldown: tracking.scaleOutCooldownSeconds }
            : {}),
          DisableScaleIn: tracking.disableScaleIn,
        },
      },
    ],
  };
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
    const existing = current.find((c) => c.variantName === wanted.variantName)?.policies ?? [];
    for (const stale of existing) {
      const kept = wanted.policies.find((p) => p.policyName === stale.policyName);
      // A policy cannot change between target tracking and another type in place: delete it first.
      if (kept === undefined || kept.policyType !== stale.policyType) {
        await gateway.deletePolicy(endpointName, wanted.variantName, stale.policyName);
      }
    }
    for (const policy of wanted.policies) await gateway.putPolicy(endpointName, wanted.variantName, policy);
  }
}
