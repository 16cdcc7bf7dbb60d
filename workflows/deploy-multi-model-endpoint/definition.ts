/**
 * The DeployMultiModelEndpoint state machine: validate, take the endpoint's lease (the prefix it serves is the
 * endpoint's too), place every model under the prefix (each at an immutable key, copied or packaged), create the
 * multi-model model and its config, create or update the endpoint, wait, verify, warm each model up (its cold
 * latency), health-check each model, finalize, release the lease and announce; any failure after validation rolls
 * back through the same path as DeployEndpoint, which here also deletes the artifacts this execution placed
 * (RemovePlacedArtifacts, once the endpoint has settled).
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type * as zc from 'zod/v4/core';
import { DeploymentStepsStates, deploymentSteps } from '../deployment-steps.ts';
import { acquireEndpointLease, EndpointLeaseStates, REQUEST_LEASE } from '../endpoint-lease.ts';
import { failWithCaught, invoke, validateInput } from '../fragments.ts';
import { placeModelSteps, removePlacedArtifactsStep, warmUpModelStep } from '../multi-model-steps.ts';
import { RollbackStates, rollbackPath } from '../rollback.ts';
import { at, requestPaths } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';
import type { DeployMultiModelEndpointInput } from './contract.ts';

const request = requestPaths<zc.output<typeof DeployMultiModelEndpointInput>>();

/** Every state of DeployMultiModelEndpoint, by name. */
export const DeployMultiModelEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...EndpointLeaseStates,
  PlaceModels: 'PlaceModels',
  IsPackagingRequested: 'IsPackagingRequested',
  PackageModel: 'PackageModel',
  PlaceModel: 'PlaceModel',
  ModelPlaced: 'ModelPlaced',
  ModelNotPlaced: 'ModelNotPlaced',
  CreateModel: 'CreateModel',
  WarmUpModels: 'WarmUpModels',
  WarmUpModel: 'WarmUpModel',
  ModelWarmedUp: 'ModelWarmedUp',
  ModelNotWarmedUp: 'ModelNotWarmedUp',
  ...DeploymentStepsStates,
  ...RollbackStates,
  RemovePlacedArtifacts: 'RemovePlacedArtifacts',
} as const;

const S = DeployMultiModelEndpointStates;
const ALL = [sfn.Errors.ALL];
/** Models placed or warmed up at once. */
const MAX_CONCURRENCY = 4;

/** Builds the DeployMultiModelEndpoint definition from the task functions. */
export function deployMultiModelEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  // Nothing this run placed stays once the endpoint is back where it was (or gone): the rollback deletes it.
  const removePlacedArtifacts = removePlacedArtifactsStep(scope, S.RemovePlacedArtifacts, fns, {
    prefix: request('model.prefix'),
    models: request('models'),
    rollback: at('rollback'),
  });
  const startRollback = rollbackPath(scope, fns, { beforeCompleteRollback: removePlacedArtifacts });
  const toRollback = { next: startRollback, resultPath: at('error') };
  const catchToRollback = <T extends sfn.TaskStateBase>(state: T): T =>
    state.addCatch(startRollback, { errors: ALL, resultPath: at('error') }) as T;

  // Each model, in an iteration of its own: `{ request: { model: <entry> }, multiModel: { prefix }, execution }`.
  const notPlaced = failWithCaught(scope, S.ModelNotPlaced, at('error'));
  const place = placeModelSteps(
    scope,
    { isPackagingRequested: S.IsPackagingRequested, packageModel: S.PackageModel, placeModel: S.PlaceModel },
    fns,
    { next: notPlaced, resultPath: at('error') },
  );
  place.placeModel.next(new sfn.Pass(scope, S.ModelPlaced, { outputPath: at('placed') }));
  const placeModels = new sfn.Map(scope, S.PlaceModels, {
    itemsPath: request('models'),
    itemSelector: {
      request: { 'model.$': '$$.Map.Item.Value' },
      multiModel: { 'prefix.$': request('model.prefix') },
      'execution.$': at('execution'),
    },
    maxConcurrency: MAX_CONCURRENCY,
    resultPath: at('placedModels'),
  })
    .itemProcessor(place.start)
    .addCatch(startRollback, toRollback);

  // Each placed model invoked once, so the endpoint loads it: its cold latency.
  const notWarmedUp = failWithCaught(scope, S.ModelNotWarmedUp, at('error'));
  const warmUp = warmUpModelStep(scope, S.WarmUpModel, fns, { next: notWarmedUp, resultPath: at('error') });
  warmUp.next(new sfn.Pass(scope, S.ModelWarmedUp, { outputPath: at('warmUp') }));
  const warmUpModels = new sfn.Map(scope, S.WarmUpModels, {
    itemsPath: at('placedModels'),
    itemSelector: {
      request: {
        'endpointName.$': request('endpointName'),
        'healthCheck.$': request('healthCheck'),
      },
      'placed.$': '$$.Map.Item.Value',
    },
    maxConcurrency: MAX_CONCURRENCY,
    resultPath: at('warmedUp'),
  })
    .itemProcessor(warmUp)
    .addCatch(startRollback, toRollback);

  const createModel = catchToRollback(invoke(scope, S.CreateModel, fns.CreateModel));
  // Each placed model is warmed up (its cold latency) before HealthCheck checks them all ($.warmedUp).
  createModel.next(deploymentSteps(scope, fns, startRollback, { beforeHealthCheck: warmUpModels }));

  placeModels.next(createModel);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    acquireEndpointLease(scope, fns, REQUEST_LEASE, placeModels, toRollback),
  );
}
