/**
 * The DeployEndpoint state machine: validate, create model and config, create or update the endpoint, wait,
 * verify, health-check, finalize and announce; on any failure after validation, roll back and fail with the
 * original error.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { RollbackFailedError } from '../errors.ts';
import { endpointWaitLoop, failWithCaught, invoke, validateInput } from '../fragments.ts';
import { packagingSteps } from '../package-model/definition.ts';
import { busyEndpointRetry, eventPublishRetry, rollbackBusyEndpointRetry } from '../retry-policies.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of DeployEndpoint, by name; tests and the runner use these. */
export const DeployEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  IsPackagingRequested: 'IsPackagingRequested',
  ChoosePackageFormat: 'ChoosePackageFormat',
  PackageModel: 'PackageModel',
  CopyUncompressedModel: 'CopyUncompressedModel',
  CreateModel: 'CreateModel',
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
  StartRollback: 'StartRollback',
  IsRollbackInProgress: 'IsRollbackInProgress',
  WaitForRollback: 'WaitForRollback',
  GetRollbackStatus: 'GetRollbackStatus',
  IsRollbackSettled: 'IsRollbackSettled',
  CompleteRollback: 'CompleteRollback',
  PublishFailed: 'PublishFailed',
  DeploymentFailed: 'DeploymentFailed',
  DescribeRollbackFailure: 'DescribeRollbackFailure',
  PublishRollbackFailed: 'PublishRollbackFailed',
  RollbackFailed: 'RollbackFailed',
} as const;

const S = DeployEndpointStates;
const ALL = [sfn.Errors.ALL];

/** Builds the DeployEndpoint definition from the task functions. */
export function deployEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  // Terminal states.
  const deploymentFailed = failWithCaught(scope, S.DeploymentFailed, '$.error');
  const rollbackFailed = new sfn.Fail(scope, S.RollbackFailed, {
    error: RollbackFailedError.errorName,
    causePath: '$.rollbackFailure.cause',
  });
  const succeeded = new sfn.Succeed(scope, S.DeploymentSucceeded);
  const succeededEventNotPublished = failWithCaught(scope, S.SucceededEventNotPublished, '$.publishError');

  // Rollback path: every failure after validation lands here with the original error at $.error.
  const publishRollbackFailed = invoke(scope, S.PublishRollbackFailed, fns.PublishDeploymentEvent, {
    extraRetries: [eventPublishRetry],
  })
    .addCatch(rollbackFailed, { errors: ALL, resultPath: '$.publishError' })
    .next(rollbackFailed);
  // Keeps the original error in the final cause, next to why the rollback failed.
  const describeRollbackFailure = new sfn.Pass(scope, S.DescribeRollbackFailure, {
    parameters: {
      cause: sfn.JsonPath.format(
        'The deployment failed with {} and rolling back failed with {}: {}',
        sfn.JsonPath.stringAt('$.error.Error'),
        sfn.JsonPath.stringAt('$.rollbackError.Error'),
        sfn.JsonPath.stringAt('$.rollbackError.Cause'),
      ),
    },
    resultPath: '$.rollbackFailure',
  }).next(publishRollbackFailed);
  const toRollbackFailed = { next: describeRollbackFailure, resultPath: '$.rollbackError' };

  const publishFailed = invoke(scope, S.PublishFailed, fns.PublishDeploymentEvent, {
    extraRetries: [eventPublishRetry],
  })
    .addCatch(deploymentFailed, { errors: ALL, resultPath: '$.publishError' })
    .next(deploymentFailed);
  const completeRollback = invoke(scope, S.CompleteRollback, fns.CompleteRollback)
    .addCatch(toRollbackFailed.next, { errors: ALL, resultPath: toRollbackFailed.resultPath })
    .next(publishFailed);
  const waitForRollback = endpointWaitLoop(
    scope,
    { wait: S.WaitForRollback, poll: S.GetRollbackStatus, settled: S.IsRollbackSettled },
    fns.GetEndpointStatus,
    completeRollback,
    toRollbackFailed,
  );
  const startRollback = invoke(scope, S.StartRollback, fns.StartRollback, { extraRetries: [rollbackBusyEndpointRetry] })
    .addCatch(toRollbackFailed.next, { errors: ALL, resultPath: toRollbackFailed.resultPath })
    .next(
      new sfn.Choice(scope, S.IsRollbackInProgress)
        .when(
          sfn.Condition.or(
            sfn.Condition.stringEquals('$.rollback.action', 'restore'),
            sfn.Condition.stringEquals('$.rollback.action', 'delete'),
          ),
          waitForRollback,
        )
        .otherwise(completeRollback),
    );
  const catchToRollback = <T extends sfn.TaskStateBase>(state: T): T =>
    state.addCatch(startRollback, { errors: ALL, resultPath: '$.error' }) as T;

  // Deploy path.
  const publishSucceeded = invoke(scope, S.PublishSucceeded, fns.PublishDeploymentEvent, {
    extraRetries: [eventPublishRetry],
  })
    .addCatch(succeededEventNotPublished, { errors: ALL, resultPath: '$.publishError' })
    .next(succeeded);
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

  const createModel = catchToRollback(invoke(scope, S.CreateModel, fns.CreateModel));
  createModel
    .next(catchToRollback(invoke(scope, S.CreateEndpointConfig, fns.CreateEndpointConfig)))
    .next(catchToRollback(invoke(scope, S.StartDeployment, fns.StartDeployment, { extraRetries: [busyEndpointRetry] })))
    .next(waitForEndpoint);

  // `model.package`: run the PackageModel steps first; CreateModel reads their result at $.packaging.packaged.
  const packaging = packagingSteps(
    scope,
    { choose: S.ChoosePackageFormat, build: S.PackageModel, copy: S.CopyUncompressedModel },
    fns,
    {
      formatPath: '$.request.model.package.format',
      payload: sfn.TaskInput.fromObject({
        request: sfn.JsonPath.objectAt('$.request.model.package'),
        execution: sfn.JsonPath.objectAt('$.execution'),
      }),
      resultPath: '$.packaging',
      resultSelector: { 'packaged.$': '$.Payload.packaged' },
      onError: startRollback,
      errorPath: '$.error',
    },
    createModel,
  );

  return validate.next(
    new sfn.Choice(scope, S.IsPackagingRequested)
      .when(sfn.Condition.isPresent('$.request.model.package'), packaging)
      .otherwise(createModel),
  );
}
