/**
 * The DeployEndpoint state machine: validate, package the model when asked, take the endpoint's lease (one
 * deployment at a time per endpoint), create model and config, record (and where an update needs it, suspend)
 * autoscaling, create or update the endpoint, wait, verify, health-check, apply autoscaling, finalize, release the
 * lease and announce; on any failure after validation, roll back (the shared rollback path, which restores
 * autoscaling and releases the lease) and fail with the original error.
 */
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { AutoScalingStates, autoScalingSteps, restoreAutoScaling } from '../auto-scaling-steps.ts';
import { AsyncHealthCheckStates, DeploymentStepsStates, deploymentSteps } from '../deployment-steps.ts';
import { acquireEndpointLease, EndpointLeaseStates, REQUEST_LEASE } from '../endpoint-lease.ts';
import { validateInput } from '../fragments.ts';
import { ModelStepsStates, modelSteps } from '../model-steps.ts';
import { RollbackStates, rollbackPath } from '../rollback.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of DeployEndpoint, by name; tests and the runner use these. */
export const DeployEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...ModelStepsStates,
  ...EndpointLeaseStates,
  ...DeploymentStepsStates,
  ...AsyncHealthCheckStates,
  ...RollbackStates,
  ...AutoScalingStates,
} as const;

const S = DeployEndpointStates;

/** Builds the DeployEndpoint definition from the task functions. */
export function deployEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const startRollback = rollbackPath(scope, fns, { beforeCompleteRollback: restoreAutoScaling(scope, fns) });
  const onError = { next: startRollback, resultPath: at('error') };
  // `model.package`: the PackageModel steps run first (they write new packages only); the lease is taken before
  // anything of the endpoint's is created or changed; CreateModel reads the packaging result.
  const model = modelSteps(scope, fns, onError, {
    beforeCreateModel: (createModel) => acquireEndpointLease(scope, fns, REQUEST_LEASE, createModel, onError),
  });
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
