/**
 * A deploy workflow whose model needs no preparation (DeployMultiContainerEndpoint, DeploySerialPipeline):
 * validate the input, take the endpoint's lease, create the model, then deploy it as every endpoint is deployed
 * (config, create or update, wait, verify, health check, finalize, release the lease, announce), rolling back on
 * any failure.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DeploymentStepsStates, deploymentSteps } from './deployment-steps.ts';
import { acquireEndpointLease, EndpointLeaseStates, REQUEST_LEASE } from './endpoint-lease.ts';
import { invoke, validateInput } from './fragments.ts';
import { RollbackStates, rollbackPath } from './rollback.ts';
import { at } from './state-paths.ts';
import type { WorkflowTasks } from './workflow.ts';

/** The states that create the model and deploy it, rolling back on any failure, by name. */
export const CreateModelAndDeployStates = {
  CreateModel: 'CreateModel',
  ...DeploymentStepsStates,
  ...RollbackStates,
} as const;

/** Every state of a model deployment, by name. */
export const ModelDeploymentStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...EndpointLeaseStates,
  ...CreateModelAndDeployStates,
} as const;

const S = ModelDeploymentStates;

/**
 * CreateModel, then the deployment steps, rolling back on any failure: CreateModel is where they begin (reached
 * once the run holds the endpoint's lease), StartRollback where a failure before it goes.
 */
export function createModelAndDeploy(
  scope: Construct,
  fns: WorkflowTasks,
): { createModel: sfn.TaskStateBase; startRollback: sfn.TaskStateBase } {
  const startRollback = rollbackPath(scope, fns);
  const createModel = invoke(scope, S.CreateModel, fns.CreateModel).addCatch(startRollback, {
    errors: [sfn.Errors.ALL],
    resultPath: at('error'),
  });
  createModel.next(deploymentSteps(scope, fns, startRollback));
  return { createModel, startRollback };
}

/** Builds a model deployment's definition from the task functions. */
export function modelDeploymentDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const { createModel, startRollback } = createModelAndDeploy(scope, fns);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    acquireEndpointLease(scope, fns, REQUEST_LEASE, createModel, { next: startRollback, resultPath: at('error') }),
  );
}
