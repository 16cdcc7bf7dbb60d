/**
 * The RemoveInferenceComponent state machine: delete the component (when it is there), poll until it is gone,
 * invoke the endpoint once with its name to report how the endpoint answers it now, and delete the endpoint when
 * asked to and it hosts no component any more. Every failure ends in RemoveFailed with its error.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { failWithCaught, invoke, validateInput, waitLoop } from '../fragments.ts';
import { busyEndpointRetry } from '../retry-policies.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of RemoveInferenceComponent, by name. */
export const RemoveInferenceComponentStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  StartComponentRemoval: 'StartComponentRemoval',
  WaitForRemoval: 'WaitForRemoval',
  GetComponentStatus: 'GetComponentStatus',
  IsRemovalSettled: 'IsRemovalSettled',
  ProbeComponent: 'ProbeComponent',
  DeleteComponentEndpoint: 'DeleteComponentEndpoint',
  ComponentRemoved: 'ComponentRemoved',
  RemoveFailed: 'RemoveFailed',
} as const;

const S = RemoveInferenceComponentStates;
const ALL = [sfn.Errors.ALL];

/** Builds the RemoveInferenceComponent definition from the task functions. */
export function removeInferenceComponentDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const removeFailed = failWithCaught(scope, S.RemoveFailed, at('error'));
  const onError = { errors: ALL, resultPath: at('error') };
  const deleteEndpoint = invoke(scope, S.DeleteComponentEndpoint, fns.DeleteComponentEndpoint)
    .addCatch(removeFailed, onError)
    .next(new sfn.Succeed(scope, S.ComponentRemoved));
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
  return validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput)
    .next(start)
    .next(waitForRemoval);
}
