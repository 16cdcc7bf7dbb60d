/**
 * The AddModelToMultiModelEndpoint state machine: take the endpoint's lease (one change at a time per endpoint),
 * find the endpoint's prefix, place the model there (packaged first when given as files) at a key never used for
 * other content, invoke it until the endpoint has loaded it, health-check it, release the lease and announce
 * `Model Added`. A failure after placing deletes the key this run created, so a model that does not work is not
 * left for callers to find; every failure releases the lease and ends in `Model Add Failed`.
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
import { invoke, validateInput } from '../fragments.ts';
import { placeModelSteps, warmUpModelStep } from '../multi-model-steps.ts';
import { busyEndpointRetry } from '../retry-policies.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

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
  WasModelPlacedByThisRun: 'WasModelPlacedByThisRun',
  ChooseModelToDelete: 'ChooseModelToDelete',
  DeletePlacedModel: 'DeletePlacedModel',
  ReleaseLeaseAfterFailure: 'ReleaseLeaseAfterFailure',
  PublishAddFailed: 'PublishAddFailed',
  AddFailed: 'AddFailed',
} as const;

const S = AddModelToMultiModelEndpointStates;
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

  // After placing: delete the key when this run created it, then announce the failure.
  const deletePlacedModel = invoke(scope, S.DeletePlacedModel, fns.DeleteModelArtifact)
    .addCatch(publishAddFailed, { errors: ALL, resultPath: at('cleanupError') })
    .next(publishAddFailed);
  const wasPlacedByThisRun = new sfn.Choice(scope, S.WasModelPlacedByThisRun)
    .when(
      sfn.Condition.booleanEquals(at('placed.created'), true),
      new sfn.Pass(scope, S.ChooseModelToDelete, {
        parameters: { 'targetModel.$': at('placed.targetModel') },
        resultPath: at('modelToDelete'),
      }).next(deletePlacedModel),
    )
    .otherwise(publishAddFailed);
  const afterPlacing = { next: wasPlacedByThisRun, resultPath: at('error') };

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
  const place = placeModelSteps(
    scope,
    { isPackagingRequested: S.IsPackagingRequested, packageModel: S.PackageModel, placeModel: S.PlaceModel },
    fns,
    beforePlacing,
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
