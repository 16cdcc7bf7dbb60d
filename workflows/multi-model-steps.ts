/**
 * Steps the multi-model workflows share: placing a model under the endpoint's prefix (packaging it first when it
 * is given as files), warming a placed model up (invoking it until the endpoint has loaded it), and removing what
 * an execution placed when it fails.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { PackageModelRequest } from '../contracts/parts/packaging.ts';
import { invoke, type TaskRefs } from './fragments.ts';
import { modelNotReadyRetry, sourceChangedRetry } from './retry-policies.ts';
import { at, requestPaths, resultField } from './state-paths.ts';

/** What a request says of its model's packaging (`model.package`: a PackageModel request). */
const request = requestPaths<{ readonly model?: { readonly package?: PackageModelRequest } }>();

/** State names of the placing steps. */
interface PlaceModelNames {
  readonly isPackagingRequested: string;
  readonly packageModel: string;
  readonly placeModel: string;
}

/**
 * Place `$.request.model` (`{ name, artifact | package }`) under `$.multiModel.prefix`: package it first when it
 * is given as files (the PackageModel step, tar.gz), then PlaceModel, which records `$.placed`. Returns the first
 * state and the PlaceModel state (chain what follows to it); errors go to `onError`.
 */
export function placeModelSteps(
  scope: Construct,
  names: PlaceModelNames,
  tasks: Pick<TaskRefs, 'PackageModel' | 'PlaceModel'>,
  onError: { next: sfn.IChainable; resultPath: string },
): { start: sfn.Choice; placeModel: sfn.TaskStateBase } {
  const catchAll = { errors: [sfn.Errors.ALL], resultPath: onError.resultPath };
  const placeModel = invoke(scope, names.placeModel, tasks.PlaceModel).addCatch(onError.next, catchAll);
  const packageModel = invoke(scope, names.packageModel, tasks.PackageModel, {
    extraRetries: [sourceChangedRetry],
    payload: sfn.TaskInput.fromObject({
      request: sfn.JsonPath.objectAt(request('model.package')),
      execution: sfn.JsonPath.objectAt(at('execution')),
    }),
    resultPath: at('packaging'),
    resultSelector: { 'packaged.$': resultField('PackageModel', 'packaged') },
  }).addCatch(onError.next, catchAll);
  packageModel.next(placeModel);
  const start = new sfn.Choice(scope, names.isPackagingRequested)
    .when(sfn.Condition.isPresent(request('model.package')), packageModel)
    .otherwise(placeModel);
  return { start, placeModel };
}

/** The WarmUpModel step of `$.placed`, retried while the endpoint answers that the model is still loading. */
export function warmUpModelStep(
  scope: Construct,
  stateName: string,
  tasks: Pick<TaskRefs, 'WarmUpModel'>,
  onError: { next: sfn.IChainable; resultPath: string },
): sfn.TaskStateBase {
  return invoke(scope, stateName, tasks.WarmUpModel, { extraRetries: [modelNotReadyRetry] }).addCatch(onError.next, {
    errors: [sfn.Errors.ALL],
    resultPath: onError.resultPath,
  });
}

/** Where RemovePlacedArtifacts looks, as paths of the state document (or intrinsic functions over them). */
interface PlacementPaths {
  /** The endpoint's prefix (an s3:// URI). */
  readonly prefix: string;
  /** The models the request names, each with its `name`. */
  readonly models: string;
  /** The rollback's record, when the removal is part of a deploy workflow's rollback. @default - none */
  readonly rollback?: string;
}

/**
 * The RemovePlacedArtifacts step: deletes the artifacts this execution placed under the endpoint's prefix (the
 * objects whose metadata names it), and records their URIs at `$.artifactRemoval.deleted`. The caller adds the
 * Catch.
 */
export function removePlacedArtifactsStep(
  scope: Construct,
  stateName: string,
  tasks: Pick<TaskRefs, 'RemovePlacedArtifacts'>,
  paths: PlacementPaths,
): sfn.TaskStateBase {
  return invoke(scope, stateName, tasks.RemovePlacedArtifacts, {
    payload: sfn.TaskInput.fromObject({
      placement: { 'prefix.$': paths.prefix, 'models.$': paths.models },
      'execution.$': at('execution'),
      ...(paths.rollback !== undefined ? { 'rollback.$': paths.rollback } : {}),
    }),
    resultPath: at('artifactRemoval'),
    resultSelector: { 'deleted.$': resultField('RemovePlacedArtifacts', 'deleted') },
  });
}
