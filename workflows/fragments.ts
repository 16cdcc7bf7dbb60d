/**
 * Building blocks the workflows share: a Lambda task with the standard retries, the event-driven wait (a start step
 * that runs under a waiting task's token, completed by SageMaker's state change event, with a polling fallback) used
 * for endpoints and transform jobs, and the polling wait loop (Wait + status task + Choice, capped exponential
 * backoff computed by the task, deadline enforced by it) for what sends no events (inference components).
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { TaskName } from '../contracts/steps.ts';
import { WAIT_FALLBACK_SECONDS, WAIT_TASK_TIMEOUT_SECONDS, type WaitResourceKind } from '../contracts/task-tokens.ts';
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

/** State names of an event-driven wait. */
export interface EventWaitNames {
  /** The start step: stores its token, starts the change, and waits for the callback. */
  readonly start: string;
  /** The fallback: runs when no callback came within the heartbeat; polls once and waits again. */
  readonly fallback: string;
}

/** What an event-driven wait waits for, and where it goes next. */
export interface EventWaitOptions {
  /** The resource waited for: its kind and where its name is in the state document. */
  readonly resource: { readonly kind: WaitResourceKind; readonly namePath: string };
  /** Which of the execution's waits this is (its wait record names it). */
  readonly step: 'deployment' | 'rollback' | 'transform';
  /**
   * Where the wait goes once it ended: settled, or past its deadline with the resource still moving (`settled:
   * false` in the status it reports; the next step turns that into the timeout error, with the state it needs).
   */
  readonly next: sfn.IChainable;
  /** Where a failure of either task goes, with the error at `resultPath`. */
  readonly onError: { readonly next: sfn.IChainable; readonly resultPath: string };
  /** Retries of the start step beyond the standard ones. @default - none */
  readonly extraRetries?: readonly sfn.RetryProps[];
}

/** A Lambda task that runs under its own task token and ends when SendTaskSuccess is called with it. */
function waitingTask(scope: Construct, stateName: string, task: TaskRef, payload: sfn.TaskInput): tasks.LambdaInvoke {
  return new tasks.LambdaInvoke(scope, stateName, {
    comment: `Code: ${task.codeFolder}/`,
    lambdaFunction: task.fn,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload,
    retryOnServiceExceptions: false,
    heartbeatTimeout: sfn.Timeout.duration(Duration.seconds(WAIT_FALLBACK_SECONDS)),
    taskTimeout: sfn.Timeout.duration(Duration.seconds(WAIT_TASK_TIMEOUT_SECONDS)),
  });
}

/**
 * The event-driven wait (contracts/task-tokens.ts). The start step gets the state document and its task token; it
 * stores the token in the resource's wait record before it calls SageMaker, and the task ends when CompleteWait (the
 * rules' target) sends the state document back with the resource's settled status, on SageMaker's state change event.
 * Events are best effort: when none completes the task within its heartbeat, the fallback (CompleteWait again) stores
 * a new token, polls once, and waits again (a lost event makes the wait slower, never stuck); past the deadline it
 * completes with the resource still moving. Returns the start step.
 */
export function eventDrivenWait(
  scope: Construct,
  names: EventWaitNames,
  start: TaskRef,
  completeWait: TaskRef,
  options: EventWaitOptions,
): sfn.TaskStateBase {
  const heartbeat = ['States.HeartbeatTimeout'];
  const startState = waitingTask(
    scope,
    names.start,
    start,
    sfn.TaskInput.fromObject({ state: sfn.JsonPath.entirePayload, taskToken: sfn.JsonPath.taskToken }),
  );
  for (const retry of options.extraRetries ?? []) startState.addRetry(retry);
  startState.addRetry(lambdaServiceRetry).addRetry(sageMakerThrottlingRetry);
  const fallback = waitingTask(
    scope,
    names.fallback,
    completeWait,
    sfn.TaskInput.fromObject({
      taskToken: sfn.JsonPath.taskToken,
      wait: {
        kind: options.resource.kind,
        name: sfn.JsonPath.stringAt(options.resource.namePath),
        executionId: sfn.JsonPath.stringAt(at('execution.id')),
        step: options.step,
      },
    }),
  )
    .addRetry(lambdaServiceRetry)
    .addRetry(sageMakerThrottlingRetry);
  // Both keep the state document as it was (the start step's input) when the heartbeat runs out: the wait record
  // holds what the start step returned.
  startState.addCatch(fallback, { errors: heartbeat, resultPath: sfn.JsonPath.DISCARD });
  fallback.addCatch(fallback, { errors: heartbeat, resultPath: sfn.JsonPath.DISCARD });
  for (const state of [startState, fallback]) {
    state.addCatch(options.onError.next, { errors: [sfn.Errors.ALL], resultPath: options.onError.resultPath });
  }
  startState.next(options.next);
  fallback.next(options.next);
  return startState;
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

/** The polling wait loop on an endpoint: settled when `$.endpointStatus.settled`. */
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
