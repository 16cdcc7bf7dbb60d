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

/** Every state of a model deployment, by name. */
export const ModelDeploymentStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  CreateModel: 'CreateModel',
  ...DeploymentStepsStates,
  ...RollbackStates,
} as const;

const S = ModelDeploymentStates;

/** Builds a model deployment's definition from the task functions. */
export function modelDeploymentDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const startRollback = rollbackPath(scope, fns);
  const createModel = invoke(scope, S.CreateModel, fns.CreateModel).addCatch(startRollback, {
    errors: [sfn.Errors.ALL],
    resultPath: '$.error',
  });
  createModel.next(deploymentSteps(scope, fns, startRollback));
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    createModel,
  );
}
