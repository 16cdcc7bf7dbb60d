/**
 * The DeployEndpoint state machine: validate, create model and config, record (and where an update needs it,
 * suspend) autoscaling, create or update the endpoint, wait, verify, health-check, apply autoscaling, finalize and
 * announce; on any failure after validation, roll back (the shared rollback path, which restores autoscaling) and
 * fail with the original error.
 */
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { AutoScalingStates, autoScalingSteps, restoreAutoScaling } from '../auto-scaling-steps.ts';
import { AsyncHealthCheckStates, DeploymentStepsStates, deploymentSteps } from '../deployment-steps.ts';
import { validateInput } from '../fragments.ts';
import { ModelStepsStates, modelSteps } from '../model-steps.ts';
import { RollbackStates, rollbackPath } from '../rollback.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of DeployEndpoint, by name; tests and the runner use these. */
export const DeployEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...ModelStepsStates,
  ...DeploymentStepsStates,
  ...AsyncHealthCheckStates,
  ...RollbackStates,
  ...AutoScalingStates,
} as const;

const S = DeployEndpointStates;

/** Builds the DeployEndpoint definition from the task functions. */
export function deployEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const startRollback = rollbackPath(scope, fns, { beforeCompleteRollback: restoreAutoScaling(scope, fns) });
  // `model.package`: the PackageModel steps run first; CreateModel reads their result.
  const model = modelSteps(scope, fns, { next: startRollback, resultPath: '$.error' });
  model.createModel.next(
    deploymentSteps(scope, fns, startRollback, {
      ...autoScalingSteps(scope, fns, startRollback),
      asyncHealthCheck: true,
    }),
  );
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    model.start,
  );
}
