/**
 * The CreateModel state machine: validate, package the model first when asked (the PackageModel steps), and
 * create the SageMaker model, or reuse the identical one an earlier run created. Nothing to undo on failure:
 * CreateModel creates the model whole or not at all, and a package it built is kept for the next run to reuse.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { failWithCaught, validateInput } from '../fragments.ts';
import { ModelStepsStates, modelSteps } from '../model-steps.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of CreateModel, by name. */
export const CreateModelStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...ModelStepsStates,
  ModelReady: 'ModelReady',
  CreateModelFailed: 'CreateModelFailed',
} as const;

const S = CreateModelStates;

/** Builds the CreateModel definition from the task functions. */
export function createModelDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const failed = failWithCaught(scope, S.CreateModelFailed, at('error'));
  const model = modelSteps(scope, fns, { next: failed, resultPath: at('error') });
  // The execution's output is the model: its name, ARN, and whether this run created it.
  model.createModel.next(new sfn.Succeed(scope, S.ModelReady, { outputPath: at('model') }));
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    model.start,
  );
}
