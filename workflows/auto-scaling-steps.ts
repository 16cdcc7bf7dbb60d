/**
 * DeployEndpoint's autoscaling states: before StartDeployment, record the endpoint's registration and deregister the
 * variants SageMaker would refuse to update; after the health check, apply the input's settings; on the rollback
 * path, restore the recorded registration. Their failures go where the deployment's (or the rollback's) go.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { invoke, type TaskRefs } from './fragments.ts';
import { at } from './state-paths.ts';

/** The autoscaling states, by name; DeployEndpoint's state map includes them. */
export const AutoScalingStates = {
  RecordAutoScaling: 'RecordAutoScaling',
  SuspendAutoScaling: 'SuspendAutoScaling',
  ApplyAutoScaling: 'ApplyAutoScaling',
  RestoreAutoScaling: 'RestoreAutoScaling',
} as const;

const S = AutoScalingStates;

type AutoScalingTasks = Pick<
  TaskRefs,
  'RecordAutoScaling' | 'SuspendAutoScaling' | 'ApplyAutoScaling' | 'RestoreAutoScaling'
>;

/** The restore state of the rollback path (the rollback path adds its Catch). */
export function restoreAutoScaling(scope: Construct, tasks: AutoScalingTasks): sfn.TaskStateBase {
  return invoke(scope, S.RestoreAutoScaling, tasks.RestoreAutoScaling);
}

/** The states around the deployment: `beforeStartDeployment` and `beforeFinalize` options of the deployment steps. */
export function autoScalingSteps(scope: Construct, tasks: AutoScalingTasks, startRollback: sfn.IChainable) {
  const catchToRollback = <T extends sfn.TaskStateBase>(state: T): T =>
    state.addCatch(startRollback, { errors: [sfn.Errors.ALL], resultPath: at('error') }) as T;
  const record = catchToRollback(invoke(scope, S.RecordAutoScaling, tasks.RecordAutoScaling));
  const suspend = catchToRollback(invoke(scope, S.SuspendAutoScaling, tasks.SuspendAutoScaling));
  return {
    beforeStartDeployment: sfn.Chain.start(record).next(suspend),
    beforeFinalize: catchToRollback(invoke(scope, S.ApplyAutoScaling, tasks.ApplyAutoScaling)),
  };
}
