/**
 * The rollback path every endpoint deployment shares: undo what the run changed on the endpoint (restore the
 * recorded config, or delete a new endpoint, and only while the endpoint still serves this run's config), wait for
 * it (a restore: the event-driven wait, fragments.ts; a deletion, which SageMaker announces no end of: the polling
 * wait loop), check it and delete what the run created, release the endpoint's lease, announce
 * the outcome and end in Fail with the original error (at `$.error`). A rollback that fails itself releases the
 * lease too and ends in RollbackFailed, its cause naming both errors.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { RollbackFailedError } from '../contracts/errors.ts';
import { releaseEndpointLease } from './endpoint-lease.ts';
import {
  endpointWaitLoop,
  eventDrivenWait,
  failWithCaught,
  invoke,
  publishThenEnd,
  type TaskRefs,
} from './fragments.ts';
import { rollbackBusyEndpointRetry } from './retry-policies.ts';
import { at, requestPaths } from './state-paths.ts';

/** The endpoint a deployment request names. */
const request = requestPaths<{ readonly endpointName: string }>();

/** The states of the rollback path that announce its outcome (a throwaway deployment has none). */
export const RollbackEventStates = {
  PublishFailed: 'PublishFailed',
  PublishRollbackFailed: 'PublishRollbackFailed',
} as const;

/** The states of the rollback path without those that publish events: a throwaway deployment's. */
export const UnannouncedRollbackStates = {
  StartRollback: 'StartRollback',
  WaitForRollback: 'WaitForRollback',
  IsEndpointDeleting: 'IsEndpointDeleting',
  WaitForDeletion: 'WaitForDeletion',
  GetDeletionStatus: 'GetDeletionStatus',
  IsEndpointDeleted: 'IsEndpointDeleted',
  CompleteRollback: 'CompleteRollback',
  ReleaseLeaseAfterRollback: 'ReleaseLeaseAfterRollback',
  DeploymentFailed: 'DeploymentFailed',
  DescribeRollbackFailure: 'DescribeRollbackFailure',
  ReleaseLeaseAfterRollbackFailure: 'ReleaseLeaseAfterRollbackFailure',
  RollbackFailed: 'RollbackFailed',
} as const;

/** The states of the rollback path, by name; a deploy workflow's state map includes them. */
export const RollbackStates = { ...UnannouncedRollbackStates, ...RollbackEventStates } as const;

const S = RollbackStates;
const ALL = [sfn.Errors.ALL];

/** The steps the rollback path runs. */
type RollbackTasks = Pick<
  TaskRefs,
  | 'StartRollback'
  | 'CompleteWait'
  | 'GetEndpointStatus'
  | 'CompleteRollback'
  | 'PublishDeploymentEvent'
  | 'ReleaseEndpointLease'
>;

/** Options of the rollback path. */
interface RollbackPathOptions {
  /**
   * A task run once the endpoint has settled (or nothing needed undoing), before CompleteRollback; its failure ends
   * in RollbackFailed like the others' (DeployEndpoint restores autoscaling). @default - none
   */
  readonly beforeCompleteRollback?: sfn.TaskStateBase;
  /**
   * Whether the rollback announces its outcome on the project's bus (`Deployment Rolled Back`, ...); a throwaway
   * deployment's does not (DeploymentStepsOptions.lifecycleEvents). @default true
   */
  readonly lifecycleEvents?: boolean;
}

/** Builds the rollback path; its entry is StartRollback, which every failure after validation catches into. */
export function rollbackPath(
  scope: Construct,
  tasks: RollbackTasks,
  options: RollbackPathOptions = {},
): sfn.TaskStateBase {
  const rollbackFailed = new sfn.Fail(scope, S.RollbackFailed, {
    error: RollbackFailedError.errorName,
    causePath: at('rollbackFailure.cause'),
  });
  const announce = options.lifecycleEvents !== false;
  const publishRollbackFailed = announce
    ? publishThenEnd(scope, S.PublishRollbackFailed, tasks.PublishDeploymentEvent, rollbackFailed)
    : rollbackFailed;
  // Keeps the original error in the final cause, next to why the rollback failed.
  const describeRollbackFailure = new sfn.Pass(scope, S.DescribeRollbackFailure, {
    parameters: {
      cause: sfn.JsonPath.format(
        'The deployment failed with {} and rolling back failed with {}: {}',
        sfn.JsonPath.stringAt(at('error.Error')),
        sfn.JsonPath.stringAt(at('rollbackError.Error')),
        sfn.JsonPath.stringAt(at('rollbackError.Cause')),
      ),
    },
    resultPath: at('rollbackFailure'),
  }).next(releaseEndpointLease(scope, S.ReleaseLeaseAfterRollbackFailure, tasks, publishRollbackFailed));
  const toRollbackFailed = { next: describeRollbackFailure, resultPath: at('rollbackError') };

  const deploymentFailed = failWithCaught(scope, S.DeploymentFailed, at('error'));
  const publishFailed = announce
    ? publishThenEnd(scope, S.PublishFailed, tasks.PublishDeploymentEvent, deploymentFailed)
    : deploymentFailed;
  // Busy while an endpoint moves to or from a config it would delete (it waits for it to settle, as StartRollback).
  const completeRollback = invoke(scope, S.CompleteRollback, tasks.CompleteRollback, {
    extraRetries: [rollbackBusyEndpointRetry],
  })
    .addCatch(toRollbackFailed.next, { errors: ALL, resultPath: toRollbackFailed.resultPath })
    .next(releaseEndpointLease(scope, S.ReleaseLeaseAfterRollback, tasks, publishFailed));
  const rollbackSettled = options.beforeCompleteRollback
    ? options.beforeCompleteRollback
        .addCatch(toRollbackFailed.next, { errors: ALL, resultPath: toRollbackFailed.resultPath })
        .next(completeRollback)
    : completeRollback;
  // SageMaker sends no event when an endpoint is gone: a deletion is polled, as before.
  const waitForDeletion = endpointWaitLoop(
    scope,
    { wait: S.WaitForDeletion, poll: S.GetDeletionStatus, settled: S.IsEndpointDeleted },
    tasks.GetEndpointStatus,
    rollbackSettled,
    toRollbackFailed,
  );
  const afterStart = new sfn.Choice(scope, S.IsEndpointDeleting)
    .when(
      sfn.Condition.and(
        sfn.Condition.stringEquals(at('rollback.action'), 'delete'),
        sfn.Condition.booleanEquals(at('endpointStatus.settled'), false),
      ),
      waitForDeletion,
    )
    .otherwise(options.beforeCompleteRollback ?? completeRollback);
  const startRollback = eventDrivenWait(
    scope,
    { start: S.StartRollback, fallback: S.WaitForRollback },
    tasks.StartRollback,
    tasks.CompleteWait,
    {
      resource: { kind: 'endpoint', namePath: request('endpointName') },
      step: 'rollback',
      next: afterStart,
      onError: toRollbackFailed,
      extraRetries: [rollbackBusyEndpointRetry],
    },
  );
  return startRollback;
}
