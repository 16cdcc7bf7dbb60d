/**
 * The steps every endpoint deployment runs once its model exists: CreateEndpointConfig, StartDeployment and the
 * event-driven wait for the endpoint (fragments.ts: eventDrivenWait), VerifyDeployment, (a variant's own checks,) HealthCheck, FinalizeDeployment, the release of
 * the endpoint's lease (taken before the model: endpoint-lease.ts) and publish-then-end. Every failure goes to
 * `startRollback` with the error at `$.error`.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { releaseEndpointLease } from './endpoint-lease.ts';
import { eventDrivenWait, failWithCaught, invoke, publishThenEnd, type TaskRefs } from './fragments.ts';
import { busyEndpointRetry } from './retry-policies.ts';
import { at, requestPaths } from './state-paths.ts';

/** What a deployment request names: its endpoint, and asynchronous inference (DeployEndpoint's `async`). */
const request = requestPaths<{ readonly endpointName: string; readonly async?: unknown }>();

/** The states that announce a deployment's success (a throwaway deployment has none: `lifecycleEvents: false`). */
export const DeploymentSucceededEventStates = {
  PublishSucceeded: 'PublishSucceeded',
  SucceededEventNotPublished: 'SucceededEventNotPublished',
} as const;

/** The states of the deployment steps without those that publish events: a throwaway deployment's. */
export const UnannouncedDeploymentStepsStates = {
  CreateEndpointConfig: 'CreateEndpointConfig',
  StartDeployment: 'StartDeployment',
  WaitForEndpoint: 'WaitForEndpoint',
  VerifyDeployment: 'VerifyDeployment',
  HealthCheck: 'HealthCheck',
  FinalizeDeployment: 'FinalizeDeployment',
  ReleaseEndpointLease: 'ReleaseEndpointLease',
  DeploymentSucceeded: 'DeploymentSucceeded',
} as const;

/** The states of the deployment steps, by name; a deploy workflow's state map includes them. */
export const DeploymentStepsStates = {
  ...UnannouncedDeploymentStepsStates,
  ...DeploymentSucceededEventStates,
} as const;

/**
 * The states an endpoint deployment adds when it may serve asynchronous inference (DeployEndpoint): samples to S3
 * before HealthCheck, and the answers judged after it.
 */
export const AsyncHealthCheckStates = {
  IsAsyncEndpoint: 'IsAsyncEndpoint',
  UploadAsyncSamples: 'UploadAsyncSamples',
  IsAsyncCheckPending: 'IsAsyncCheckPending',
  JudgeAsyncResults: 'JudgeAsyncResults',
} as const;

const S = DeploymentStepsStates;
const A = AsyncHealthCheckStates;

/** Options of the deployment steps. */
interface DeploymentStepsOptions {
  /** States run after VerifyDeployment and before HealthCheck (a multi-model endpoint warms its models up). */
  readonly beforeHealthCheck?: sfn.IChainable & sfn.INextable;
  /** States run after CreateEndpointConfig and before StartDeployment (DeployEndpoint records and suspends autoscaling). */
  readonly beforeStartDeployment?: sfn.IChainable & sfn.INextable;
  /** States run after HealthCheck and before FinalizeDeployment (DeployEndpoint applies autoscaling). */
  readonly beforeFinalize?: sfn.IChainable & sfn.INextable;
  /**
   * The input may ask for an asynchronous endpoint (`request.async`): its health check uploads the samples
   * (UploadAsyncSamples), HealthCheck sends them, and JudgeAsyncResults judges the answers.
   * @default false
   */
  readonly asyncHealthCheck?: boolean;
  /**
   * Whether the deployment announces its outcome on the project's bus (`Deployment Succeeded`, ...). A throwaway
   * deployment (RightSizeEndpoint's candidates) does not: a consumer of those events would otherwise see a
   * deployment of an endpoint that exists only to be measured and deleted.
   * @default true
   */
  readonly lifecycleEvents?: boolean;
}

/** The deployment steps; the returned CreateEndpointConfig state is where they begin. */
export function deploymentSteps(
  scope: Construct,
  tasks: Pick<
    TaskRefs,
    | 'CreateEndpointConfig'
    | 'StartDeployment'
    | 'CompleteWait'
    | 'VerifyDeployment'
    | 'HealthCheck'
    | 'FinalizeDeployment'
    | 'PublishDeploymentEvent'
    | 'UploadAsyncSamples'
    | 'JudgeAsyncResults'
    | 'ReleaseEndpointLease'
  >,
  startRollback: sfn.IChainable,
  options: DeploymentStepsOptions = {},
): sfn.TaskStateBase {
  const catchToRollback = <T extends sfn.TaskStateBase>(state: T): T =>
    state.addCatch(startRollback, { errors: [sfn.Errors.ALL], resultPath: at('error') }) as T;

  const succeeded = new sfn.Succeed(scope, S.DeploymentSucceeded);
  const publishSucceeded =
    options.lifecycleEvents === false
      ? succeeded
      : publishThenEnd(
          scope,
          S.PublishSucceeded,
          tasks.PublishDeploymentEvent,
          succeeded,
          failWithCaught(scope, S.SucceededEventNotPublished, at('publishError')),
        );
  const healthCheck = catchToRollback(invoke(scope, S.HealthCheck, tasks.HealthCheck));
  const finalize = catchToRollback(invoke(scope, S.FinalizeDeployment, tasks.FinalizeDeployment));
  let afterCheck: sfn.IChainable = finalize;
  if (options.beforeFinalize) {
    options.beforeFinalize.next(finalize);
    afterCheck = options.beforeFinalize;
  }
  finalize.next(releaseEndpointLease(scope, S.ReleaseEndpointLease, tasks, publishSucceeded));
  let checkStart: sfn.IChainable = healthCheck;
  if (options.asyncHealthCheck) {
    const judge = catchToRollback(invoke(scope, A.JudgeAsyncResults, tasks.JudgeAsyncResults));
    judge.next(afterCheck);
    healthCheck.next(
      new sfn.Choice(scope, A.IsAsyncCheckPending)
        .when(sfn.Condition.isPresent(at('asyncHealthCheck')), judge)
        .otherwise(afterCheck),
    );
    const upload = catchToRollback(invoke(scope, A.UploadAsyncSamples, tasks.UploadAsyncSamples));
    upload.next(healthCheck);
    checkStart = new sfn.Choice(scope, A.IsAsyncEndpoint)
      .when(sfn.Condition.isPresent(request('async')), upload)
      .otherwise(healthCheck);
  } else healthCheck.next(afterCheck);
  const verify = catchToRollback(invoke(scope, S.VerifyDeployment, tasks.VerifyDeployment));
  if (options.beforeHealthCheck) verify.next(options.beforeHealthCheck).next(checkStart);
  else verify.next(checkStart);
  const createEndpointConfig = catchToRollback(invoke(scope, S.CreateEndpointConfig, tasks.CreateEndpointConfig));
  const startDeployment = eventDrivenWait(
    scope,
    { start: S.StartDeployment, fallback: S.WaitForEndpoint },
    tasks.StartDeployment,
    tasks.CompleteWait,
    {
      resource: { kind: 'endpoint', namePath: request('endpointName') },
      step: 'deployment',
      next: verify,
      onError: { next: startRollback, resultPath: at('error') },
      extraRetries: [busyEndpointRetry],
    },
  );
  if (options.beforeStartDeployment) createEndpointConfig.next(options.beforeStartDeployment).next(startDeployment);
  else createEndpointConfig.next(startDeployment);
  return createEndpointConfig;
}
