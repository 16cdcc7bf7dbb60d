/**
 * The DeployInferenceComponent state machine: make sure the endpoint exists and hosts inference components
 * (creating it, and waiting for it, when it does not exist), create or update the component (or reuse it when it
 * runs this specification already), poll it until it settles (SageMaker sends no events for components), and
 * health-check it by name. A failure after the component changed rolls this run's change back (a created
 * component is deleted, an updated one gets its previous specification back) and waits for that; the endpoint is
 * deleted when this run created it and it hosts nothing else. Every failure ends in DeployFailed with its error.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { endpointWaitLoop, failWithCaught, invoke, validateInput, waitLoop } from '../fragments.ts';
import { busyEndpointRetry, rollbackBusyEndpointRetry } from '../retry-policies.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of DeployInferenceComponent, by name. */
export const DeployInferenceComponentStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
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
  DeployFailed: 'DeployFailed',
  RollbackFailed: 'RollbackFailed',
} as const;

const S = DeployInferenceComponentStates;
const ALL = [sfn.Errors.ALL];

/** Builds the DeployInferenceComponent definition from the task functions. */
export function deployInferenceComponentDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const deployFailed = failWithCaught(scope, S.DeployFailed, at('error'));
  const rollbackFailed = failWithCaught(scope, S.RollbackFailed, at('rollbackError'));

  // Last of every failure: the endpoint goes when this run created it and it hosts nothing (else it stays).
  const deleteEndpoint = invoke(scope, S.DeleteComponentEndpoint, fns.DeleteComponentEndpoint)
    .addCatch(rollbackFailed, { errors: ALL, resultPath: at('rollbackError') })
    .next(deployFailed);
  const beforeComponent = { next: deleteEndpoint, resultPath: at('error') };

  // After the component changed: undo this run's change and wait until it has settled.
  const rollBack = invoke(scope, S.RollBackComponent, fns.RollBackComponent, {
    extraRetries: [rollbackBusyEndpointRetry],
  }).addCatch(rollbackFailed, { errors: ALL, resultPath: at('rollbackError') });
  rollBack.next(
    waitLoop(
      scope,
      { wait: S.WaitForRollback, poll: S.GetRollbackStatus, settled: S.IsRollbackSettled },
      fns.GetComponentStatus,
      at('componentStatus.settled'),
      deleteEndpoint,
      { next: rollbackFailed, resultPath: at('rollbackError') },
    ),
  );
  const afterComponent = { next: rollBack, resultPath: at('error') };

  const healthCheck = invoke(scope, S.HealthCheck, fns.HealthCheck)
    .addCatch(afterComponent.next, { errors: ALL, resultPath: afterComponent.resultPath })
    // The execution's output is the whole state: what changed, the component's status and the check's report.
    .next(new sfn.Succeed(scope, S.ComponentDeployed));
  const waitForComponent = waitLoop(
    scope,
    { wait: S.WaitForComponent, poll: S.GetComponentStatus, settled: S.IsComponentSettled },
    fns.GetComponentStatus,
    at('componentStatus.settled'),
    healthCheck,
    afterComponent,
  );
  const startComponent = invoke(scope, S.StartComponentDeployment, fns.StartComponentDeployment, {
    extraRetries: [busyEndpointRetry],
  })
    .addCatch(beforeComponent.next, { errors: ALL, resultPath: beforeComponent.resultPath })
    .next(waitForComponent);

  const endpointNotInService = new sfn.Pass(scope, S.EndpointNotInService, {
    parameters: {
      Error: 'EndpointFailedError',
      'Cause.$':
        "States.Format('Endpoint {} is {} after its creation', $.request.endpointName, $.endpointStatus.status)",
    },
    resultPath: at('error'),
  }).next(deleteEndpoint);
  const isInService = new sfn.Choice(scope, S.IsEndpointInService)
    .when(sfn.Condition.stringEquals(at('endpointStatus.status'), 'InService'), startComponent)
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
    .otherwise(startComponent);
  const ensureEndpoint = invoke(scope, S.EnsureComponentEndpoint, fns.EnsureComponentEndpoint, {
    extraRetries: [busyEndpointRetry],
  }).addCatch(deployFailed, { errors: ALL, resultPath: at('error') });

  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput)
    .next(ensureEndpoint)
    .next(wasCreated);
}
