/**
 * The DeployInferenceComponent state machine: take the endpoint's lease (one change at a time per endpoint, as
 * DeployEndpoint), make sure the endpoint exists and hosts inference components
 * (creating it, and waiting for it, when it does not exist), record and suspend the component's copy-count
 * autoscaling, create or update the component (or reuse it when it runs this specification already), poll it until
 * it settles (SageMaker sends no events for components), health-check it by name and apply the input's autoscaling.
 * A failure after the component changed rolls this run's change back (a created component is deleted, an updated one
 * gets its previous specification back) and waits for that; every failure then restores the recorded autoscaling,
 * and the endpoint is deleted when this run created it and it hosts nothing else. Every end releases the lease and
 * publishes DeployEndpoint's lifecycle event (Deployment Succeeded, Rolled Back, Failed or Rollback Failed); every
 * failure ends in DeployFailed (or RollbackFailed) with its error.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ComponentAutoScalingStates, componentAutoScalingSteps } from '../auto-scaling-steps.ts';
import {
  acquireEndpointLease,
  EndpointLeaseStates,
  REQUEST_LEASE,
  releaseAnnounceFail,
  releaseAnnounceSucceed,
} from '../endpoint-lease.ts';
import { endpointWaitLoop, invoke, validateInput, waitLoop } from '../fragments.ts';
import { busyEndpointRetry, rollbackBusyEndpointRetry } from '../retry-policies.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of DeployInferenceComponent, by name. */
export const DeployInferenceComponentStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...EndpointLeaseStates,
  EnsureComponentEndpoint: 'EnsureComponentEndpoint',
  WasEndpointCreated: 'WasEndpointCreated',
  WaitForEndpoint: 'WaitForEndpoint',
  GetEndpointStatus: 'GetEndpointStatus',
  IsEndpointSettled: 'IsEndpointSettled',
  IsEndpointInService: 'IsEndpointInService',
  EndpointNotInService: 'EndpointNotInService',
  StartComponentDeployment: 'StartComponentDeployment',
  WaitForComponent: 'WaitForComponent',
  GetComponentStatus: 'GetComponentStatus',
  IsComponentSettled: 'IsComponentSettled',
  HealthCheck: 'HealthCheck',
  ComponentDeployed: 'ComponentDeployed',
  RollBackComponent: 'RollBackComponent',
  WaitForRollback: 'WaitForRollback',
  GetRollbackStatus: 'GetRollbackStatus',
  IsRollbackSettled: 'IsRollbackSettled',
  DeleteComponentEndpoint: 'DeleteComponentEndpoint',
  ...ComponentAutoScalingStates,
  ReleaseEndpointLease: 'ReleaseEndpointLease',
  PublishSucceeded: 'PublishSucceeded',
  SucceededEventNotPublished: 'SucceededEventNotPublished',
  ReleaseLeaseAfterFailure: 'ReleaseLeaseAfterFailure',
  PublishFailed: 'PublishFailed',
  DeployFailed: 'DeployFailed',
  ReleaseLeaseAfterRollbackFailure: 'ReleaseLeaseAfterRollbackFailure',
  PublishRollbackFailed: 'PublishRollbackFailed',
  RollbackFailed: 'RollbackFailed',
} as const;

const S = DeployInferenceComponentStates;
const ALL = [sfn.Errors.ALL];

/** Builds the DeployInferenceComponent definition from the task functions. */
export function deployInferenceComponentDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  // Every end releases the lease (a lease this run does not hold is left alone), then publishes its event.
  const deployFailed = releaseAnnounceFail(
    scope,
    { release: S.ReleaseLeaseAfterFailure, publish: S.PublishFailed, end: S.DeployFailed },
    fns,
    fns.PublishDeploymentEvent,
    at('error'),
  );
  const rollbackFailed = releaseAnnounceFail(
    scope,
    { release: S.ReleaseLeaseAfterRollbackFailure, publish: S.PublishRollbackFailed, end: S.RollbackFailed },
    fns,
    fns.PublishDeploymentEvent,
    at('rollbackError'),
  );
  // The execution's output is the whole state: what changed, the component's status and the check's report.
  const succeeded = releaseAnnounceSucceed(
    scope,
    {
      release: S.ReleaseEndpointLease,
      publish: S.PublishSucceeded,
      end: S.ComponentDeployed,
      notPublished: S.SucceededEventNotPublished,
    },
    fns,
    fns.PublishDeploymentEvent,
  );

  // Last of every failure: the endpoint goes when this run created it and it hosts nothing (else it stays).
  // Waits out an endpoint still Creating: one EnsureComponentEndpoint created before its result was lost.
  const deleteEndpoint = invoke(scope, S.DeleteComponentEndpoint, fns.DeleteComponentEndpoint, {
    extraRetries: [rollbackBusyEndpointRetry],
  })
    .addCatch(rollbackFailed, { errors: ALL, resultPath: at('rollbackError') })
    .next(deployFailed);

  // After the component changed: undo this run's change and wait until it has settled.
  const rollBack = invoke(scope, S.RollBackComponent, fns.RollBackComponent, {
    extraRetries: [rollbackBusyEndpointRetry],
  }).addCatch(rollbackFailed, { errors: ALL, resultPath: at('rollbackError') });
  const afterComponent = { next: rollBack, resultPath: at('error') };

  // Before the component changes: its autoscaling is recorded and suspended; every failure restores it first.
  const startComponent = invoke(scope, S.StartComponentDeployment, fns.StartComponentDeployment, {
    extraRetries: [busyEndpointRetry],
  });
  // Every failure restores the recorded autoscaling (nothing when none was recorded yet), then DeleteComponentEndpoint.
  const autoScaling = componentAutoScalingSteps(scope, fns, {
    next: startComponent,
    afterRestore: deleteEndpoint,
    errorPath: at('error'),
    onFailureAfterChange: afterComponent,
    onRestoreError: { next: rollbackFailed, resultPath: at('rollbackError') },
  });
  const beforeComponent = { next: autoScaling.restore, resultPath: at('error') };

  rollBack.next(
    waitLoop(
      scope,
      { wait: S.WaitForRollback, poll: S.GetRollbackStatus, settled: S.IsRollbackSettled },
      fns.GetComponentStatus,
      at('componentStatus.settled'),
      autoScaling.restore,
      { next: rollbackFailed, resultPath: at('rollbackError') },
    ),
  );

  const healthCheck = invoke(scope, S.HealthCheck, fns.HealthCheck)
    .addCatch(afterComponent.next, { errors: ALL, resultPath: afterComponent.resultPath })
    .next(autoScaling.afterHealthCheck)
    .next(succeeded);
  const waitForComponent = waitLoop(
    scope,
    { wait: S.WaitForComponent, poll: S.GetComponentStatus, settled: S.IsComponentSettled },
    fns.GetComponentStatus,
    at('componentStatus.settled'),
    healthCheck,
    afterComponent,
  );
  // Through the component's rollback: the step may have created the component before it failed.
  startComponent
    .addCatch(afterComponent.next, { errors: ALL, resultPath: afterComponent.resultPath })
    .next(waitForComponent);

  const endpointNotInService = new sfn.Pass(scope, S.EndpointNotInService, {
    parameters: {
      Error: 'EndpointFailedError',
      'Cause.$':
        "States.Format('Endpoint {} is {} after its creation', $.request.endpointName, $.endpointStatus.status)",
    },
    resultPath: at('error'),
  }).next(autoScaling.restore);
  const isInService = new sfn.Choice(scope, S.IsEndpointInService)
    .when(sfn.Condition.stringEquals(at('endpointStatus.status'), 'InService'), autoScaling.beforeChange)
    .otherwise(endpointNotInService);
  const waitForEndpoint = endpointWaitLoop(
    scope,
    { wait: S.WaitForEndpoint, poll: S.GetEndpointStatus, settled: S.IsEndpointSettled },
    fns.GetEndpointStatus,
    isInService,
    beforeComponent,
  );
  const wasCreated = new sfn.Choice(scope, S.WasEndpointCreated)
    .when(sfn.Condition.booleanEquals(at('componentEndpoint.created'), true), waitForEndpoint)
    .otherwise(autoScaling.beforeChange);
  const ensureEndpoint = invoke(scope, S.EnsureComponentEndpoint, fns.EnsureComponentEndpoint, {
    extraRetries: [busyEndpointRetry],
  }).addCatch(deleteEndpoint, { errors: ALL, resultPath: at('error') });

  ensureEndpoint.next(wasCreated);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    acquireEndpointLease(scope, fns, REQUEST_LEASE, ensureEndpoint, { next: deployFailed, resultPath: at('error') }),
  );
}
