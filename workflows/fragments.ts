/**
 * Building blocks the workflows share: a Lambda task with the standard retries, and the wait loop (Wait +
 * status task + Choice, capped exponential backoff computed by the task, deadline enforced by it) used for
 * endpoints and transform jobs.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { TaskName } from '../contracts/steps.ts';
import { eventPublishRetry, lambdaServiceRetry, sageMakerThrottlingRetry } from './retry-policies.ts';
import { at } from './state-paths.ts';

/** A deployed task as a workflow sees it: its function, how long it may run, and where its code is. */
export interface TaskRef {
  readonly fn: IFunction;
  readonly timeoutSeconds: number;
  /** The folder of the task's code, relative to the project root (tasks/create-model). */
  readonly codeFolder: string;
}

/** Every task, by name. */
export type TaskRefs = Readonly<Record<TaskName, TaskRef>>;

/** Extra time Step Functions allows over the Lambda timeout before it gives up on the task. */
const TASK_TIMEOUT_MARGIN_SECONDS = 10;

/** Options of one Lambda task state. */
interface InvokeOptions {
  /** @default - the whole state document */
  readonly payload?: sfn.TaskInput;
  /** Retries beyond the standard Lambda-service and SageMaker-throttling ones. @default - none */
  readonly extraRetries?: readonly sfn.RetryProps[];
  /**
   * Keep the state document and put the task's result here, shaped by `resultSelector` (which reads the
   * Lambda response: `$.Payload...`). @default - the task's result replaces the state document
   */
  readonly resultPath?: string;
  /** @default - the whole Lambda response */
  readonly resultSelector?: Record<string, unknown>;
}

/**
 * A `lambda:invoke` task whose result replaces the state document (tasks return the state plus their part),
 * with a timeout and the standard retries. The caller adds the Catch.
 */
export function invoke(scope: Construct, stateName: string, task: TaskRef, options: InvokeOptions = {}) {
  const state = new tasks.LambdaInvoke(scope, stateName, {
    // A reader of the console graph finds the code from here.
    comment: `Code: ${task.codeFolder}/`,
    lambdaFunction: task.fn,
    payload: options.payload ?? sfn.TaskInput.fromJsonPathAt('$'),
    ...(options.resultPath !== undefined
      ? {
          resultPath: options.resultPath,
          ...(options.resultSelector ? { resultSelector: options.resultSelector } : {}),
        }
      : { outputPath: '$.Payload' }),
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(Duration.seconds(task.timeoutSeconds + TASK_TIMEOUT_MARGIN_SECONDS)),
  });
  for (const retry of options.extraRetries ?? []) state.addRetry(retry);
  return state.addRetry(lambdaServiceRetry).addRetry(sageMakerThrottlingRetry);
}

/** State names of one wait loop. */
interface WaitLoopNames {
  readonly wait: string;
  readonly poll: string;
  readonly settled: string;
}

/**
 * Wait `$.wait.seconds`, run the poll task, and loop while the boolean at `settledPath` is false; then continue
 * with `whenSettled`. The poll task computes the next (capped, growing) wait and enforces the deadline; its
 * errors go to `onError` at `resultPath`.
 */
export function waitLoop(
  scope: Construct,
  names: WaitLoopNames,
  poll: TaskRef,
  settledPath: string,
  whenSettled: sfn.IChainable,
  onError: { next: sfn.IChainable; resultPath: string },
): sfn.Wait {
  const wait = new sfn.Wait(scope, names.wait, { time: sfn.WaitTime.secondsPath(at('wait.seconds')) });
  const pollTask = invoke(scope, names.poll, poll).addCatch(onError.next, {
    errors: [sfn.Errors.ALL],
    resultPath: onError.resultPath,
  });
  const settled = new sfn.Choice(scope, names.settled)
    .when(sfn.Condition.booleanEquals(settledPath, false), wait)
    .otherwise(whenSettled);
  wait.next(pollTask).next(settled);
  return wait;
}

/** The wait loop on an endpoint: settled when `$.endpointStatus.settled`. */
export function endpointWaitLoop(
  scope: Construct,
  names: WaitLoopNames,
  poll: TaskRef,
  whenSettled: sfn.IChainable,
  onError: { next: sfn.IChainable; resultPath: string },
): sfn.Wait {
  return waitLoop(scope, names, poll, at('endpointStatus.settled'), whenSettled, onError);
}

/** A Fail state ending the execution with the Step Functions error object a Catch stored at `errorPath`. */
export function failWithCaught(scope: Construct, stateName: string, errorPath: string): sfn.Fail {
  return new sfn.Fail(scope, stateName, { errorPath: `${errorPath}.Error`, causePath: `${errorPath}.Cause` });
}

/** State names of a workflow's first state and where bad input ends. */
interface ValidateInputNames {
  readonly validate: string;
  readonly rejected: string;
}

/**
 * A workflow's first state: the validation task gets the raw execution input, untouched, and the execution
 * facts from the context object (FirstStateEvent). Any failure ends the execution at `rejected` with that
 * error; the input may not even be an object, so the error replaces it rather than being added to it.
 */
export function validateInput(scope: Construct, names: ValidateInputNames, task: TaskRef) {
  const payload = sfn.TaskInput.fromObject({
    input: sfn.JsonPath.entirePayload,
    execution: {
      id: sfn.JsonPath.executionId,
      name: sfn.JsonPath.executionName,
      startedAt: sfn.JsonPath.executionStartTime,
    },
  });
  return invoke(scope, names.validate, task, { payload }).addCatch(failWithCaught(scope, names.rejected, '$'), {
    errors: [sfn.Errors.ALL],
  });
}

/**
 * Publish-then-end: a publishing task (with its retries for a rejected event) followed by the execution's end.
 * A failure to publish ends at `onPublishError` (by default the same end), with the error at `$.publishError`.
 */
export function publishThenEnd(
  scope: Construct,
  stateName: string,
  publish: TaskRef,
  end: sfn.Succeed | sfn.Fail,
  onPublishError: sfn.IChainable = end,
): sfn.TaskStateBase {
  const state = invoke(scope, stateName, publish, { extraRetries: [eventPublishRetry] });
  state.addCatch(onPublishError, { errors: [sfn.Errors.ALL], resultPath: at('publishError') }).next(end);
  return state;
}
