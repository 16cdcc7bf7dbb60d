/**
 * The AddModelToMultiModelEndpoint state machine: take the endpoint's lease (one change at a time per endpoint),
 * find the endpoint's prefix, place the model there (packaged first when given as files) at a key never used for
 * other content, invoke it until the endpoint has loaded it, health-check it, release the lease and announce
 * `Model Added`. A failure from placing on deletes the key this run placed (its metadata names this execution:
 * RemovePlacedArtifacts, which needs no result of PlaceModel's), so a model that does not work is not left for
 * callers to find; every failure releases the lease and ends in `Model Add Failed`.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type * as zc from 'zod/v4/core';
import {
  acquireEndpointLease,
  EndpointLeaseStates,
  REQUEST_LEASE,
  releaseAnnounceFail,
  releaseAnnounceSucceed,
} from '../endpoint-lease.ts';
import { invoke, validateInput } from '../fragments.ts';
import { placeModelSteps, removePlacedArtifactsStep, warmUpModelStep } from '../multi-model-steps.ts';
import { busyEndpointRetry } from '../retry-policies.ts';
import { at, requestPaths } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';
import type { AddModelToMultiModelEndpointInput } from './contract.ts';

/** Every state of AddModelToMultiModelEndpoint, by name. */
export const AddModelToMultiModelEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...EndpointLeaseStates,
  ResolveMultiModelEndpoint: 'ResolveMultiModelEndpoint',
  IsPackagingRequested: 'IsPackagingRequested',
  PackageModel: 'PackageModel',
  PlaceModel: 'PlaceModel',
  WarmUpModel: 'WarmUpModel',
  HealthCheck: 'HealthCheck',
  ReleaseEndpointLease: 'ReleaseEndpointLease',
  PublishModelAdded: 'PublishModelAdded',
  ModelAdded: 'ModelAdded',
  AddedEventNotPublished: 'AddedEventNotPublished',
  DeletePlacedModel: 'DeletePlacedModel',
  ReleaseLeaseAfterFailure: 'ReleaseLeaseAfterFailure',
  PublishAddFailed: 'PublishAddFailed',
  AddFailed: 'AddFailed',
} as const;

const S = AddModelToMultiModelEndpointStates;
const request = requestPaths<zc.output<typeof AddModelToMultiModelEndpointInput>>();
const ALL = [sfn.Errors.ALL];

/** Builds the AddModelToMultiModelEndpoint definition from the task functions. */
export function addModelToMultiModelEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const publishAddFailed = releaseAnnounceFail(
    scope,
    { release: S.ReleaseLeaseAfterFailure, publish: S.PublishAddFailed, end: S.AddFailed },
    fns,
    fns.PublishModelEvent,
    at('error'),
  );
  const beforePlacing = { next: publishAddFailed, resultPath: at('error') };

  // From placing on: delete the key this run placed, found by its metadata (PlaceModel's result, which says whether
  // this run created it, is lost when PlaceModel itself fails past its retries), then announce the failure.
  const deletePlacedModel = removePlacedArtifactsStep(scope, S.DeletePlacedModel, fns, {
    prefix: at('multiModel.prefix'),
    // The request's one model, as the list of models the step takes.
    models: `States.Array(${request('model')})`,
  })
    .addCatch(publishAddFailed, { errors: ALL, resultPath: at('cleanupError') })
    .next(publishAddFailed);
  const afterPlacing = { next: deletePlacedModel, resultPath: at('error') };

  // The execution's output is the placed model: the TargetModel to invoke it with, and its key.
  const added = releaseAnnounceSucceed(
    scope,
    {
      release: S.ReleaseEndpointLease,
      publish: S.PublishModelAdded,
      end: S.ModelAdded,
      notPublished: S.AddedEventNotPublished,
    },
    fns,
    fns.PublishModelEvent,
    at('placed'),
  );
  // A failure of packaging finds nothing of this run's under the prefix; one of PlaceModel may have copied it.
  const place = placeModelSteps(
    scope,
    { isPackagingRequested: S.IsPackagingRequested, packageModel: S.PackageModel, placeModel: S.PlaceModel },
    fns,
    afterPlacing,
  );
  place.placeModel
    .next(warmUpModelStep(scope, S.WarmUpModel, fns, afterPlacing))
    // HealthCheck runs its samples against the warmed-up model ($.warmedUp).
    .next(
      invoke(scope, S.HealthCheck, fns.HealthCheck).addCatch(afterPlacing.next, {
        errors: ALL,
        resultPath: afterPlacing.resultPath,
      }),
    )
    .next(added);

  const resolve = invoke(scope, S.ResolveMultiModelEndpoint, fns.ResolveMultiModelEndpoint, {
    extraRetries: [busyEndpointRetry],
  }).addCatch(beforePlacing.next, { errors: ALL, resultPath: beforePlacing.resultPath });
  resolve.next(place.start);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    acquireEndpointLease(scope, fns, REQUEST_LEASE, resolve, beforePlacing),
  );
}
