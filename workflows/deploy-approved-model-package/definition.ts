/**
 * The DeployApprovedModelPackage state machine: validate the event and the group's settings, decide from the
 * registry and the endpoint what the decision changes (ResolveModelPackage), then either end without touching the
 * endpoint, announcing why when it matters, or take the endpoint's lease and decide again (RecheckModelPackage: a
 * deployment that held the lease meanwhile may have served a newer version, so approvals end in order) before
 * deploying the package with the DeployEndpoint steps (CreateModel from the package, config, create or update, wait,
 * verify, health check, finalize, or roll back), releasing the lease at every end.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acquireEndpointLease, EndpointLeaseStates, releaseEndpointLease } from '../endpoint-lease.ts';
import { failWithCaught, invoke, publishThenEnd, validateInput } from '../fragments.ts';
import { CreateModelAndDeployStates, createModelAndDeploy } from '../model-deployment.ts';
import { at, requestPaths } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';
import type { DeployApprovedModelPackageRequest } from './contract.ts';

const request = requestPaths<DeployApprovedModelPackageRequest>();

/** Every state of DeployApprovedModelPackage, by name; tests and the runner use these. */
export const DeployApprovedModelPackageStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ResolveModelPackage: 'ResolveModelPackage',
  ResolveFailed: 'ResolveFailed',
  IsDeploymentNeeded: 'IsDeploymentNeeded',
  ...EndpointLeaseStates,
  PublishLeaseNotAcquired: 'PublishLeaseNotAcquired',
  LeaseNotAcquired: 'LeaseNotAcquired',
  RecheckModelPackage: 'RecheckModelPackage',
  ReleaseLeaseAfterRecheckFailure: 'ReleaseLeaseAfterRecheckFailure',
  IsDeploymentStillNeeded: 'IsDeploymentStillNeeded',
  ReleaseLeaseUnchanged: 'ReleaseLeaseUnchanged',
  PrepareDeployment: 'PrepareDeployment',
  ...CreateModelAndDeployStates,
  IsUnchangedAnnounced: 'IsUnchangedAnnounced',
  NothingToChange: 'NothingToChange',
  PublishEndpointUnchanged: 'PublishEndpointUnchanged',
  EndpointUnchanged: 'EndpointUnchanged',
  UnchangedEventNotPublished: 'UnchangedEventNotPublished',
} as const;

const S = DeployApprovedModelPackageStates;
const ALL = [sfn.Errors.ALL];

/** The outcomes of ResolveModelPackage that deploy a package (tasks/resolve-model-package). */
function deploysPackage(outcome: string): sfn.Condition {
  return sfn.Condition.or(
    sfn.Condition.stringEquals(outcome, 'deploy'),
    sfn.Condition.stringEquals(outcome, 'redeploy-latest-approved'),
  );
}

/** Builds the DeployApprovedModelPackage definition from the task functions. */
export function deployApprovedModelPackageDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const { createModel } = createModelAndDeploy(scope, fns);
  const outcome = at('resolution.outcome');
  // The deployment steps read a DeployEndpoint-shaped document: the package's request, what decided it, and the lease.
  const prepareDeployment = new sfn.Pass(scope, S.PrepareDeployment, {
    parameters: {
      'request.$': at('resolution.request'),
      'execution.$': at('execution'),
      'lease.$': at('lease'),
      modelPackage: {
        'outcome.$': at('resolution.outcome'),
        'eventPackageArn.$': at('resolution.packageArn'),
        'deployPackageArn.$': at('resolution.deployPackageArn'),
      },
    },
  });
  prepareDeployment.next(createModel);

  const publishUnchanged = publishThenEnd(
    scope,
    S.PublishEndpointUnchanged,
    fns.PublishModelPackageEvent,
    new sfn.Succeed(scope, S.EndpointUnchanged),
    failWithCaught(scope, S.UnchangedEventNotPublished, at('publishError')),
  );
  const endUnchanged = new sfn.Choice(scope, S.IsUnchangedAnnounced)
    .when(sfn.Condition.stringEquals(outcome, 'rejected-not-served'), new sfn.Succeed(scope, S.NothingToChange))
    .otherwise(publishUnchanged);

  // Under the lease: the same decision again, on what the endpoint serves now.
  const resolveFailed = failWithCaught(scope, S.ResolveFailed, at('error'));
  const recheck = invoke(scope, S.RecheckModelPackage, fns.ResolveModelPackage)
    .addCatch(releaseEndpointLease(scope, S.ReleaseLeaseAfterRecheckFailure, fns, resolveFailed), {
      errors: ALL,
      resultPath: at('error'),
    })
    .next(
      new sfn.Choice(scope, S.IsDeploymentStillNeeded)
        .when(deploysPackage(outcome), prepareDeployment)
        .otherwise(releaseEndpointLease(scope, S.ReleaseLeaseUnchanged, fns, endUnchanged)),
    );
  // Giving up on the lease (EndpointBusyError names the holder) is announced as a package not deployed.
  const leaseNotAcquired = publishThenEnd(
    scope,
    S.PublishLeaseNotAcquired,
    fns.PublishModelPackageEvent,
    failWithCaught(scope, S.LeaseNotAcquired, at('error')),
  );
  const takeLease = acquireEndpointLease(
    scope,
    fns,
    { endpointName: request('deployment.endpointName'), settings: request('deployment.lease') },
    recheck,
    { next: leaseNotAcquired, resultPath: at('error') },
  );

  const isDeploymentNeeded = new sfn.Choice(scope, S.IsDeploymentNeeded)
    .when(deploysPackage(outcome), takeLease)
    .otherwise(endUnchanged);
  const resolve = invoke(scope, S.ResolveModelPackage, fns.ResolveModelPackage)
    .addCatch(resolveFailed, { errors: ALL, resultPath: at('error') })
    .next(isDeploymentNeeded);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    resolve,
  );
}
