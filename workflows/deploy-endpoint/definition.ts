/**
 * The DeployEndpoint state machine: validate, create model and config, create or update the endpoint, wait,
 * verify, health-check, finalize and announce; on any failure after validation, roll back (the shared
 * rollback path) and fail with the original error.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { endpointWaitLoop, failWithCaught, invoke, publishThenEnd, validateInput } from '../fragments.ts';
import { ModelStepsStates, modelSteps } from '../model-steps.ts';
import { busyEndpointRetry } from '../retry-policies.ts';
import { RollbackStates, rollbackPath } from '../rollback.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of DeployEndpoint, by name; tests and the runner use these. */
export const DeployEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...ModelStepsStates,
  CreateEndpointConfig: 'CreateEndpointConfig',
  StartDeployment: 'StartDeployment',
  WaitForEndpoint: 'WaitForEndpoint',
  GetEndpointStatus: 'GetEndpointStatus',
  IsEndpointSettled: 'IsEndpointSettled',
  VerifyDeployment: 'VerifyDeployment',
  HealthCheck: 'HealthCheck',
  FinalizeDeployment: 'FinalizeDeployment',
  PublishSucceeded: 'PublishSucceeded',
  DeploymentSucceeded: 'DeploymentSucceeded',
  SucceededEventNotPublished: 'SucceededEventNotPublished',
  ...RollbackStates,
} as const;

const S = DeployEndpointStates;
const ALL = [sfn.Errors.ALL];

/** Builds the DeployEndpoint definition from the task functions. */
export function deployEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const startRollback = rollbackPath(scope, fns);
  const catchToRollback = <T extends sfn.TaskStateBase>(state: T): T =>
    state.addCatch(startRollback, { errors: ALL, resultPath: '$.error' }) as T;

  // Deploy path.
  const publishSucceeded = publishThenEnd(
    scope,
    S.PublishSucceeded,
    fns.PublishDeploymentEvent,
    new sfn.Succeed(scope, S.DeploymentSucceeded),
    failWithCaught(scope, S.SucceededEventNotPublished, '$.publishError'),
  );
  const verify = catchToRollback(invoke(scope, S.VerifyDeployment, fns.VerifyDeployment))
    .next(catchToRollback(invoke(scope, S.HealthCheck, fns.HealthCheck)))
    .next(catchToRollback(invoke(scope, S.FinalizeDeployment, fns.FinalizeDeployment)))
    .next(publishSucceeded);
  const waitForEndpoint = endpointWaitLoop(
    scope,
    { wait: S.WaitForEndpoint, poll: S.GetEndpointStatus, settled: S.IsEndpointSettled },
    fns.GetEndpointStatus,
    verify,
    { next: startRollback, resultPath: '$.error' },
  );

  const validate = validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput);

  // `model.package`: the PackageModel steps run first; CreateModel reads their result.
  const model = modelSteps(scope, fns, { next: startRollback, resultPath: '$.error' });
  model.createModel
    .next(catchToRollback(invoke(scope, S.CreateEndpointConfig, fns.CreateEndpointConfig)))
    .next(catchToRollback(invoke(scope, S.StartDeployment, fns.StartDeployment, { extraRetries: [busyEndpointRetry] })))
    .next(waitForEndpoint);

  return validate.next(model.start);
}
