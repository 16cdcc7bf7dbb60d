/**
 * The BatchTransform state machine: validate, resolve the run (job name from the scheduled time; an existing
 * job is followed, no input is a clean skip), start the transform job, wait, verify every input has its
 * `.out`, and announce the outcome; any failure after validation stops the job, deletes the model the run
 * created, is announced and ends in Fail.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { eventDrivenWait, failWithCaught, invoke, publishThenEnd, validateInput, waitLoop } from '../fragments.ts';
import { at } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

/** Every state of BatchTransform, by name; tests and the runner use these. */
export const BatchTransformStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ResolveRun: 'ResolveRun',
  ChooseAction: 'ChooseAction',
  PublishSkipped: 'PublishSkipped',
  Skipped: 'Skipped',
  StartTransformJob: 'StartTransformJob',
  WaitForJobEvent: 'WaitForJobEvent',
  WaitForJob: 'WaitForJob',
  GetJobStatus: 'GetJobStatus',
  IsJobSettled: 'IsJobSettled',
  VerifyOutputs: 'VerifyOutputs',
  PublishCompleted: 'PublishCompleted',
  Completed: 'Completed',
  CompletedEventNotPublished: 'CompletedEventNotPublished',
  StopTransformJob: 'StopTransformJob',
  DeleteRunModel: 'DeleteRunModel',
  PublishFailed: 'PublishFailed',
  TransformFailed: 'TransformFailed',
} as const;

const S = BatchTransformStates;
const ALL = [sfn.Errors.ALL];

/** Builds the BatchTransform definition from the task functions. */
export function batchTransformDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const transformFailed = failWithCaught(scope, S.TransformFailed, at('error'));
  const eventNotPublished = failWithCaught(scope, S.CompletedEventNotPublished, at('publishError'));

  const publishFailed = publishThenEnd(scope, S.PublishFailed, fns.PublishBatchEvent, transformFailed);
  // A failed run deletes the model it created (unless another job of the schedule uses it), then announces.
  const deleteModel = invoke(scope, S.DeleteRunModel, fns.DeleteRunModel)
    .addCatch(publishFailed, { errors: ALL, resultPath: at('cleanupError') })
    .next(publishFailed);
  // A run that fails while its job still runs (a deadline, say) stops the job first.
  const stopJob = invoke(scope, S.StopTransformJob, fns.StopTransformJob)
    .addCatch(deleteModel, { errors: ALL, resultPath: at('stopError') })
    .next(deleteModel);
  const toFailed = { next: stopJob, resultPath: at('error') };
  const catchToFailed = <T extends sfn.TaskStateBase>(state: T): T =>
    state.addCatch(toFailed.next, { errors: ALL, resultPath: toFailed.resultPath }) as T;

  const completed = publishThenEnd(
    scope,
    S.PublishCompleted,
    fns.PublishBatchEvent,
    new sfn.Succeed(scope, S.Completed),
    eventNotPublished,
  );
  const verify = catchToFailed(invoke(scope, S.VerifyOutputs, fns.VerifyTransformOutputs)).next(completed);
  const waitForJob = waitLoop(
    scope,
    { wait: S.WaitForJob, poll: S.GetJobStatus, settled: S.IsJobSettled },
    fns.GetTransformJobStatus,
    at('jobStatus.settled'),
    verify,
    toFailed,
  );
  // The job this run starts is waited for on its state change event (fragments.ts: eventDrivenWait); one a
  // re-delivered schedule follows (another execution's wait record) is polled.
  const start = eventDrivenWait(
    scope,
    { start: S.StartTransformJob, fallback: S.WaitForJobEvent },
    fns.StartTransformJob,
    fns.CompleteWait,
    {
      resource: { kind: 'transform-job', namePath: at('run.jobName') },
      step: 'transform',
      next: verify,
      onError: toFailed,
    },
  );
  const skipped = publishThenEnd(
    scope,
    S.PublishSkipped,
    fns.PublishBatchEvent,
    new sfn.Succeed(scope, S.Skipped),
    eventNotPublished,
  );

  const validate = validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput);

  return validate.next(catchToFailed(invoke(scope, S.ResolveRun, fns.ResolveBatchRun))).next(
    new sfn.Choice(scope, S.ChooseAction)
      .when(sfn.Condition.stringEquals(at('run.action'), 'skip'), skipped)
      // ResolveRun found this run's job (a re-delivered schedule): wait for it instead of starting another.
      .when(sfn.Condition.stringEquals(at('run.action'), 'follow'), waitForJob)
      .otherwise(start),
  );
}
