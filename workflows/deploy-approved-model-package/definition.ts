/**
 * The DeployApprovedModelPackage state machine: validate the event and the group's settings, decide from the
 * registry and the endpoint what the decision changes (ResolveModelPackage), then either deploy a package with
 * the DeployEndpoint steps (CreateModel from the package, config, create or update, wait, verify, health check,
 * finalize, or roll back), or end without touching the endpoint, announcing why when it matters.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { failWithCaught, invoke, publishThenEnd, validateInput } from '../fragments.ts';
import { CreateModelAndDeployStates, createModelAndDeploy } from '../model-deployment.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of DeployApprovedModelPackage, by name; tests and the runner use these. */
export const DeployApprovedModelPackageStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ResolveModelPackage: 'ResolveModelPackage',
  ResolveFailed: 'ResolveFailed',
  IsDeploymentNeeded: 'IsDeploymentNeeded',
  PrepareDeployment: 'PrepareDeployment',
  ...CreateModelAndDeployStates,
  NothingToChange: 'NothingToChange',
  PublishEndpointUnchanged: 'PublishEndpointUnchanged',
  EndpointUnchanged: 'EndpointUnchanged',
  UnchangedEventNotPublished: 'UnchangedEventNotPublished',
} as const;

const S = DeployApprovedModelPackageStates;

/** Builds the DeployApprovedModelPackage definition from the task functions. */
export function deployApprovedModelPackageDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const createModel = createModelAndDeploy(scope, fns);
  // The deployment steps read a DeployEndpoint-shaped document: the package's request, and what decided it.
  const prepareDeployment = new sfn.Pass(scope, S.PrepareDeployment, {
    parameters: {
      'request.$': '$.resolution.request',
      'execution.$': '$.execution',
      modelPackage: {
        'outcome.$': '$.resolution.outcome',
        'eventPackageArn.$': '$.resolution.packageArn',
        'deployPackageArn.$': '$.resolution.deployPackageArn',
      },
    },
  });
  prepareDeployment.next(createModel);
  const publishUnchanged = publishThenEnd(
    scope,
    S.PublishEndpointUnchanged,
    fns.PublishModelPackageEvent,
    new sfn.Succeed(scope, S.EndpointUnchanged),
    failWithCaught(scope, S.UnchangedEventNotPublished, '$.publishError'),
  );
  const outcome = '$.resolution.outcome';
  const isDeploymentNeeded = new sfn.Choice(scope, S.IsDeploymentNeeded)
    .when(
      sfn.Condition.or(
        sfn.Condition.stringEquals(outcome, 'deploy'),
        sfn.Condition.stringEquals(outcome, 'redeploy-latest-approved'),
      ),
      prepareDeployment,
    )
    .when(sfn.Condition.stringEquals(outcome, 'rejected-not-served'), new sfn.Succeed(scope, S.NothingToChange))
    .otherwise(publishUnchanged);
  const resolve = invoke(scope, S.ResolveModelPackage, fns.ResolveModelPackage)
    .addCatch(failWithCaught(scope, S.ResolveFailed, '$.error'), { errors: [sfn.Errors.ALL], resultPath: '$.error' })
    .next(isDeploymentNeeded);
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput).next(
    resolve,
  );
}
