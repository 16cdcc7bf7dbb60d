/**
 * The RemoveModelFromMultiModelEndpoint state machine: take the endpoint's lease (one change at a time per
 * endpoint), find the endpoint's prefix, delete the model's object under it (a key outside the prefix is refused),
 * see how the endpoint answers a new invocation of it, release the lease and announce `Model Removed`. A copy
 * already loaded on an instance may keep answering until the endpoint unloads it: the output says which it was.
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
import { busyEndpointRetry } from '../retry-policies.ts';
import { at, requestPaths } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';
import type { RemoveModelFromMultiModelEndpointInput } from './contract.ts';

const request = requestPaths<zc.output<typeof RemoveModelFromMultiModelEndpointInput>>();

/** Every state of RemoveModelFromMultiModelEndpoint, by name. */
export const RemoveModelFromMultiModelEndpointStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ...EndpointLeaseStates,
  ResolveMultiModelEndpoint: 'ResolveMultiModelEndpoint',
  ChooseModelToDelete: 'ChooseModelToDelete',
  DeleteModelArtifact: 'DeleteModelArtifact',
  VerifyModelRemoved: 'VerifyModelRemoved',
  SummarizeRemoval: 'SummarizeRemoval',
  ReleaseEndpointLease: 'ReleaseEndpointLease',
  PublishModelRemoved: 'PublishModelRemoved',
  ModelRemoved: 'ModelRemoved',
  RemovedEventNotPublished: 'RemovedEventNotPublished',
  ReleaseLeaseAfterFailure: 'ReleaseLeaseAfterFailure',
  PublishRemoveFailed: 'PublishRemoveFailed',
  RemoveFailed: 'RemoveFailed',
} as const;

const S = RemoveModelFromMultiModelEndpointStates;
const ALL = [sfn.Errors.ALL];

/** Builds the RemoveModelFromMultiModelEndpoint definition from the task functions. */
export function removeModelFromMultiModelEndpointDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const publishFailed = releaseAnnounceFail(
    scope,
    { release: S.ReleaseLeaseAfterFailure, publish: S.PublishRemoveFailed, end: S.RemoveFailed },
    fns,
    fns.PublishModelEvent,
    at('error'),
  );
  const onError = { errors: ALL, resultPath: at('error') };

  // The execution's output: what was deleted, and how the endpoint answered a new invocation of it.
  const removed = releaseAnnounceSucceed(
    scope,
    {
      release: S.ReleaseEndpointLease,
      publish: S.PublishModelRemoved,
      end: S.ModelRemoved,
      notPublished: S.RemovedEventNotPublished,
    },
    fns,
    fns.PublishModelEvent,
    at('removed'),
  );
  const summarize = new sfn.Pass(scope, S.SummarizeRemoval, {
    parameters: {
      'targetModel.$': at('deleted.targetModel'),
      's3Uri.$': at('deleted.s3Uri'),
      'existed.$': at('deleted.existed'),
      'newInvocations.$': at('removal.newInvocations'),
      'detail.$': at('removal.detail'),
    },
    resultPath: at('removed'),
  });

  const resolve = invoke(scope, S.ResolveMultiModelEndpoint, fns.ResolveMultiModelEndpoint, {
    extraRetries: [busyEndpointRetry],
  }).addCatch(publishFailed, onError);
  resolve
    .next(
      new sfn.Pass(scope, S.ChooseModelToDelete, {
        parameters: { 'targetModel.$': request('targetModel') },
        resultPath: at('modelToDelete'),
      }),
    )
    .next(invoke(scope, S.DeleteModelArtifact, fns.DeleteModelArtifact).addCatch(publishFailed, onError))
    .next(invoke(scope, S.VerifyModelRemoved, fns.VerifyModelRemoved).addCatch(publishFailed, onError))
    .next(summarize)
    .next(removed);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    acquireEndpointLease(scope, fns, REQUEST_LEASE, resolve, { next: publishFailed, resultPath: at('error') }),
  );
}
