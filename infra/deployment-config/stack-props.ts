import { Duration } from 'aws-cdk-lib';
import type { BatchTransformScheduleProps, SageMakerWorkflowsStackProps } from '../stacks/sagemaker-workflows-stack.ts';
import type { DeploymentConfig } from './contract.ts';

/** The stack props a deployment config file asks for. */
export function stackPropsOf(config: DeploymentConfig): SageMakerWorkflowsStackProps {
  return {
    ...(config.resourceNamePrefix !== undefined ? { resourceNamePrefix: config.resourceNamePrefix } : {}),
    ...(config.eventBusName !== undefined ? { eventBusName: config.eventBusName } : {}),
    ...(config.modelArtifactBucketNames !== undefined
      ? { modelArtifactBucketNames: config.modelArtifactBucketNames }
      : {}),
    ...(config.batchDataBucketNames !== undefined ? { batchDataBucketNames: config.batchDataBucketNames } : {}),
    ...(config.packageModelMemoryMb !== undefined ? { packageModelMemoryMb: config.packageModelMemoryMb } : {}),
    batchTransformSchedules: config.batchTransformSchedules.map(
      // zod leaves absent members out (never `undefined`), as the props' exact optional members want.
      ({ maxEventAgeSeconds, input: { scheduleName: _filledInBySchedule, ...input }, ...schedule }) =>
        ({
          ...schedule,
          ...(maxEventAgeSeconds !== undefined ? { maxEventAge: Duration.seconds(maxEventAgeSeconds) } : {}),
          input,
        }) as BatchTransformScheduleProps,
    ),
    modelPackageGroups: config.modelPackageGroups,
  };
}
