import type { DeploymentConfig } from '@aws-sdk/client-sagemaker';
import type { DeploymentGuardrails } from '../../contracts/parts/endpoint.ts';

type Capacity = { type: 'INSTANCE_COUNT' | 'CAPACITY_PERCENT'; value: number };
const capacity = (c: Capacity) => ({ Type: c.type, Value: c.value });

/** SageMaker's DeploymentConfig for the contract's guardrails; undefined when none are asked for. */
export function toDeploymentConfig(guardrails: DeploymentGuardrails | undefined): DeploymentConfig | undefined {
  if (guardrails === undefined) return undefined;
  const config: DeploymentConfig = {};
  const { blueGreen, rolling, autoRollbackAlarms } = guardrails;
  if (blueGreen !== undefined) {
    const routing = blueGreen.trafficRouting;
    config.BlueGreenUpdatePolicy = {
      TrafficRoutingConfiguration: {
        Type: routing.type,
        WaitIntervalInSeconds: routing.waitIntervalInSeconds,
        ...(routing.canarySize ? { CanarySize: capacity(routing.canarySize) } : {}),
        ...(routing.linearStepSize ? { LinearStepSize: capacity(routing.linearStepSize) } : {}),
      },
      ...(blueGreen.terminationWaitInSeconds !== undefined
        ? { TerminationWaitInSeconds: blueGreen.terminationWaitInSeconds }
        : {}),
      ...(blueGreen.maximumExecutionTimeoutInSeconds !== undefined
        ? { MaximumExecutionTimeoutInSeconds: blueGreen.maximumExecutionTimeoutInSeconds }
        : {}),
    };
  }
  if (rolling !== undefined) {
    config.RollingUpdatePolicy = {
      MaximumBatchSize: capacity(rolling.maximumBatchSize),
      WaitIntervalInSeconds: rolling.waitIntervalInSeconds,
      ...(rolling.maximumExecutionTimeoutInSeconds !== undefined
        ? { MaximumExecutionTimeoutInSeconds: rolling.maximumExecutionTimeoutInSeconds }
        : {}),
      ...(rolling.rollbackMaximumBatchSize
        ? { RollbackMaximumBatchSize: capacity(rolling.rollbackMaximumBatchSize) }
        : {}),
    };
  }
  if (autoRollbackAlarms !== undefined) {
    config.AutoRollbackConfiguration = { Alarms: autoRollbackAlarms.map((AlarmName) => ({ AlarmName })) };
  }
  return config;
}
