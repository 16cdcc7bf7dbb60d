/**
 * The CreateEndpointConfig state machine: validate, then create the endpoint config over the named model, or
 * reuse the identical one an earlier run created. SageMaker refuses a model that does not exist; the run then
 * fails with its error and nothing is created.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type * as zc from 'zod/v4/core';
import { failWithCaught, invoke, validateInput } from '../fragments.ts';
import { at, requestPaths } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';
import type { CreateEndpointConfigInput } from './contract.ts';

const request = requestPaths<zc.output<typeof CreateEndpointConfigInput>>();

/** Every state of CreateEndpointConfig, by name. */
export const CreateEndpointConfigStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  UseNamedModel: 'UseNamedModel',
  CreateEndpointConfig: 'CreateEndpointConfig',
  EndpointConfigReady: 'EndpointConfigReady',
  CreateEndpointConfigFailed: 'CreateEndpointConfigFailed',
} as const;

const S = CreateEndpointConfigStates;

/** Builds the CreateEndpointConfig definition from the task functions. */
export function createEndpointConfigDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const failed = failWithCaught(scope, S.CreateEndpointConfigFailed, at('error'));
  // The CreateEndpointConfig step reads the model where DeployEndpoint's CreateModel records it.
  const useNamedModel = new sfn.Pass(scope, S.UseNamedModel, {
    parameters: { 'name.$': request('modelName') },
    resultPath: at('model'),
  });
  const create = invoke(scope, S.CreateEndpointConfig, fns.CreateEndpointConfig).addCatch(failed, {
    errors: [sfn.Errors.ALL],
    resultPath: at('error'),
  });
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput)
    .next(useNamedModel)
    .next(create)
    .next(new sfn.Succeed(scope, S.EndpointConfigReady, { outputPath: at('endpointConfig') }));
}
