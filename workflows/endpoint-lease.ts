/**
 * The endpoint lease as state-machine shapes, one place for every workflow that changes an endpoint: take the
 * lease before anything changes it (waiting, bounded, while another execution holds it), and release it at every
 * end. What the lease is: contracts/endpoint-lease.ts; the steps: tasks/acquire-endpoint-lease and
 * tasks/release-endpoint-lease.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { LeaseSettings } from '../contracts/parts/endpoint.ts';
import { failWithCaught, invoke, publishThenEnd, type TaskRef, type TaskRefs } from './fragments.ts';
import { at, requestPaths } from './state-paths.ts';

/** What a deployment request says of its endpoint and lease. */
interface LeaseRequest {
  readonly endpointName: string;
  readonly lease: LeaseSettings;
}

const request = requestPaths<LeaseRequest>();

/** The states that take the lease, by name; a workflow's state map includes them. */
export const EndpointLeaseStates = {
  ChooseEndpointLease: 'ChooseEndpointLease',
  AcquireEndpointLease: 'AcquireEndpointLease',
  IsEndpointLeaseAcquired: 'IsEndpointLeaseAcquired',
  DescribeLeaseHolder: 'DescribeLeaseHolder',
  IsLeaseHolderRunning: 'IsLeaseHolderRunning',
  WaitForEndpointLease: 'WaitForEndpointLease',
} as const;

const S = EndpointLeaseStates;

/** Where a workflow's state document names the endpoint and the lease settings (LeaseSettings). */
interface EndpointLeasePaths {
  /** @example requestPaths<LeaseRequest>()('endpointName') */
  readonly endpointName: string;
  /** @example requestPaths<LeaseRequest>()('lease') */
  readonly settings: string;
}

/** Where a deployment request (`$.request`, DeployEndpoint-shaped) names its endpoint and lease settings. */
export const REQUEST_LEASE: EndpointLeasePaths = {
  endpointName: request('endpointName'),
  settings: request('lease'),
};

/**
 * ChooseEndpointLease (which endpoint, how long to wait, which workflow: `$.lease`), then AcquireEndpointLease (S3
 * conditional writes) until it holds the lease, then `whenAcquired`. While another execution holds it,
 * DescribeLeaseHolder asks whether that execution still runs: if it does, the run waits `$.lease.wait.seconds` and
 * looks again; if it ended, AcquireEndpointLease takes the lease over at once. Giving up (EndpointBusyError, naming
 * the holder, once `lease.waitMinutes` have passed) or any other failure goes to `onError` with the error at its
 * `resultPath`.
 */
export function acquireEndpointLease(
  scope: Construct,
  tasks: Pick<TaskRefs, 'AcquireEndpointLease' | 'DescribeLeaseHolder'>,
  paths: EndpointLeasePaths,
  whenAcquired: sfn.IChainable,
  onError: { next: sfn.IChainable; resultPath: string },
): sfn.Pass {
  const catchAll = { errors: [sfn.Errors.ALL], resultPath: onError.resultPath };
  const acquire = invoke(scope, S.AcquireEndpointLease, tasks.AcquireEndpointLease).addCatch(onError.next, catchAll);
  const describeHolder = invoke(scope, S.DescribeLeaseHolder, tasks.DescribeLeaseHolder).addCatch(
    onError.next,
    catchAll,
  );
  const wait = new sfn.Wait(scope, S.WaitForEndpointLease, {
    time: sfn.WaitTime.secondsPath(at('lease.wait.seconds')),
  }).next(acquire);
  describeHolder.next(
    new sfn.Choice(scope, S.IsLeaseHolderRunning)
      .when(sfn.Condition.stringEquals(at('lease.holder.status'), 'RUNNING'), wait)
      .otherwise(acquire),
  );
  acquire.next(
    new sfn.Choice(scope, S.IsEndpointLeaseAcquired)
      .when(sfn.Condition.booleanEquals(at('lease.acquired'), true), whenAcquired)
      .otherwise(describeHolder),
  );
  const choose = new sfn.Pass(scope, S.ChooseEndpointLease, {
    parameters: {
      'endpointName.$': paths.endpointName,
      'waitMinutes.$': `${paths.settings}.waitMinutes`,
      'workflow.$': '$$.StateMachine.Name',
      acquired: false,
    },
    resultPath: at('lease'),
  });
  choose.next(acquire);
  return choose;
}

/**
 * ReleaseEndpointLease as the state `stateName`, then `next`. A lease this run does not hold is left alone. A
 * failure to release does not change how the run ends: it is recorded at `$.leaseReleaseError` and the run goes
 * on to `next` (the lease is then taken over as soon as this execution has ended, since it no longer runs).
 */
export function releaseEndpointLease(
  scope: Construct,
  stateName: string,
  tasks: Pick<TaskRefs, 'ReleaseEndpointLease'>,
  next: sfn.IChainable,
): sfn.TaskStateBase {
  const release = invoke(scope, stateName, tasks.ReleaseEndpointLease).addCatch(next, {
    errors: [sfn.Errors.ALL],
    resultPath: at('leaseReleaseError'),
  });
  release.next(next);
  return release;
}

/** The states of a run's end that may hold the lease: release it, announce the outcome, end. */
interface LeasedEndNames {
  readonly release: string;
  readonly publish: string;
  readonly end: string;
}

/**
 * A failed run's end: ReleaseEndpointLease, then `publish` announces the failure, then Fail with the error caught at
 * `errorPath` (also when the event could not be published: the failure is what the run reports).
 */
export function releaseAnnounceFail(
  scope: Construct,
  names: LeasedEndNames,
  tasks: Pick<TaskRefs, 'ReleaseEndpointLease'>,
  publish: TaskRef,
  errorPath: string,
): sfn.TaskStateBase {
  const fail = failWithCaught(scope, names.end, errorPath);
  return releaseEndpointLease(scope, names.release, tasks, publishThenEnd(scope, names.publish, publish, fail));
}

/**
 * A successful run's end: ReleaseEndpointLease, then `publish` announces the success, then Succeed with the execution's
 * output at `outputPath` (the whole state by default); an event that cannot be published ends the run in Fail as
 * `names.notPublished`.
 */
export function releaseAnnounceSucceed(
  scope: Construct,
  names: LeasedEndNames & { readonly notPublished: string },
  tasks: Pick<TaskRefs, 'ReleaseEndpointLease'>,
  publish: TaskRef,
  outputPath?: string,
): sfn.TaskStateBase {
  const announce = publishThenEnd(
    scope,
    names.publish,
    publish,
    new sfn.Succeed(scope, names.end, outputPath === undefined ? {} : { outputPath }),
    failWithCaught(scope, names.notPublished, at('publishError')),
  );
  return releaseEndpointLease(scope, names.release, tasks, announce);
}
