/**
 * The RemoveInferenceComponent state machine: take the endpoint's lease, delete the component (when it is there),
 * poll until it is gone, invoke the endpoint once with its name to report how the endpoint answers it now, and
 * delete the endpoint when asked to and it hosts no component any more. Every end releases the lease and publishes
 * `Inference Component Removed` (or `... Remove Failed`); every failure ends in RemoveFailed with its error.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  acquireEndpointLease,
  EndpointLeaseStates,
  REQUEST_LEASE,
  releaseAnnounceFail,
  releaseAnnounceSucceed,
} from '../endpoint-lease.ts';
import { invoke, validateInput, waitLoop } from '../fragments.ts';
import { busyEndpointRetry } from '../retry-policies.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of RemoveInferenceComponent, by name. */
export const RemoveInferenceComponentStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...EndpointLeaseStates,
  StartComponentRemoval: 'StartComponentRemoval',
  WaitForRemoval: 'WaitForRemoval',
  GetComponentStatus: 'GetComponentStatus',
  IsRemovalSettled: 'IsRemovalSettled',
  ProbeComponent: 'ProbeComponent',
  DeleteComponentEndpoint: 'DeleteComponentEndpoint',
  ReleaseEndpointLease: 'ReleaseEndpointLease',
  PublishRemoved: 'PublishRemoved',
  ComponentRemoved: 'ComponentRemoved',
  RemovedEventNotPublished: 'RemovedEventNotPublished',
  ReleaseLeaseAfterFailure: 'ReleaseLeaseAfterFailure',
  PublishRemoveFailed: 'PublishRemoveFailed',
  RemoveFailed: 'RemoveFailed',
} as const;

const S = RemoveInferenceComponentStates;
const ALL = [sfn.Errors.ALL];

/** Builds the RemoveInferenceComponent definition from the task functions. */
export function removeInferenceComponentDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  // Every end releases the lease (a lease this run does not hold is left alone), then publishes its event.
  const removeFailed = releaseAnnounceFail(
    scope,
    { release: S.ReleaseLeaseAfterFailure, publish: S.PublishRemoveFailed, end: S.RemoveFailed },
    fns,
    fns.PublishComponentRemovalEvent,
    at('error'),
  );
  const removed = releaseAnnounceSucceed(
    scope,
    {
      release: S.ReleaseEndpointLease,
      publish: S.PublishRemoved,
      end: S.ComponentRemoved,
      notPublished: S.RemovedEventNotPublished,
    },
    fns,
    fns.PublishComponentRemovalEvent,
  );
  const onError = { errors: ALL, resultPath: at('error') };
  const deleteEndpoint = invoke(scope, S.DeleteComponentEndpoint, fns.DeleteComponentEndpoint)
    .addCatch(removeFailed, onError)
    .next(removed);
  const probe = invoke(scope, S.ProbeComponent, fns.ProbeComponent)
    .addCatch(removeFailed, onError)
    .next(deleteEndpoint);
  const waitForRemoval = waitLoop(
    scope,
    { wait: S.WaitForRemoval, poll: S.GetComponentStatus, settled: S.IsRemovalSettled },
    fns.GetComponentStatus,
    at('componentStatus.settled'),
    probe,
    { next: removeFailed, resultPath: at('error') },
  );
  const start = invoke(scope, S.StartComponentRemoval, fns.StartComponentRemoval, {
    extraRetries: [busyEndpointRetry],
  }).addCatch(removeFailed, onError);
  start.next(waitForRemoval);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    acquireEndpointLease(scope, fns, REQUEST_LEASE, start, { next: removeFailed, resultPath: at('error') }),
  );
}
