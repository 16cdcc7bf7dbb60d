/**
 * A deploy workflow whose model needs no preparation (DeployMultiContainerEndpoint, DeploySerialPipeline):
 * validate the input, create the model, then deploy it as every endpoint is deployed (config, create or update,
 * wait, verify, health check, finalize, announce), rolling back on any failure.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DeploymentStepsStates, deploymentSteps } from './deployment-steps.ts';
import { invoke, validateInput } from './fragments.ts';
import { RollbackStates, rollbackPath } from './rollback.ts';
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
  ...CreateModelAndDeployStates,
} as const;

const S = ModelDeploymentStates;

/**
 * CreateModel, then the deployment steps, rolling back on any failure; the returned CreateModel state is where
 * they begin (DeployApprovedModelPackage reaches it after deciding which package to deploy).
 */
export function createModelAndDeploy(scope: Construct, fns: WorkflowTasks): sfn.TaskStateBase {
  const startRollback = rollbackPath(scope, fns);
  const createModel = invoke(scope, S.CreateModel, fns.CreateModel).addCatch(startRollback, {
    errors: [sfn.Errors.ALL],
    resultPath: '$.error',
  });
  createModel.next(deploymentSteps(scope, fns, startRollback));
  return createModel;
}

/** Builds a model deployment's definition from the task functions. */
export function modelDeploymentDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    createModelAndDeploy(scope, fns),
  );
}
