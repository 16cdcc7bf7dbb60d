/**
 * The autoscaling states of the deploy workflows. DeployEndpoint's: before StartDeployment, record the endpoint's
 * registration and deregister the variants SageMaker would refuse to update; after the health check, apply the
 * input's settings; on the rollback path, restore the recorded registration. DeployInferenceComponent's: the same
 * around a component, which is suspended (not deregistered) while it changes. Their failures go where the
 * deployment's (or the rollback's) go.
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

/** An inference component's autoscaling states, by name; DeployInferenceComponent's state map includes them. */
export const ComponentAutoScalingStates = {
  RecordComponentAutoScaling: 'RecordComponentAutoScaling',
  SuspendComponentAutoScaling: 'SuspendComponentAutoScaling',
  ApplyComponentAutoScaling: 'ApplyComponentAutoScaling',
  RestoreComponentAutoScaling: 'RestoreComponentAutoScaling',
} as const;

type ComponentAutoScalingTasks = Pick<
  TaskRefs,
  | 'RecordComponentAutoScaling'
  | 'SuspendComponentAutoScaling'
  | 'ApplyComponentAutoScaling'
  | 'RestoreComponentAutoScaling'
>;

/**
 * The component's autoscaling states, as for variants: `beforeChange` records the registration and suspends it, then
 * goes to `next`; `afterHealthCheck` applies the input's settings (its failure goes to `onFailureAfterChange`, the
 * rollback); `restore` puts the recorded registration back on the way to a failed end (nothing when none was
 * recorded yet), then goes to `afterRestore` (its own failure to `onRestoreError`). A failure to record or suspend
 * goes to `restore`, with the error at `errorPath`.
 */
export function componentAutoScalingSteps(
  scope: Construct,
  tasks: ComponentAutoScalingTasks,
  paths: {
    next: sfn.IChainable;
    afterRestore: sfn.IChainable;
    errorPath: string;
    onFailureAfterChange: { next: sfn.IChainable; resultPath: string };
    onRestoreError: { next: sfn.IChainable; resultPath: string };
  },
) {
  const C = ComponentAutoScalingStates;
  const all = [sfn.Errors.ALL];
  const { onFailureAfterChange, onRestoreError } = paths;
  const restore = invoke(scope, C.RestoreComponentAutoScaling, tasks.RestoreComponentAutoScaling).addCatch(
    onRestoreError.next,
    { errors: all, resultPath: onRestoreError.resultPath },
  );
  restore.next(paths.afterRestore);
  const toRestore = { errors: all, resultPath: paths.errorPath };
  const record = invoke(scope, C.RecordComponentAutoScaling, tasks.RecordComponentAutoScaling).addCatch(
    restore,
    toRestore,
  );
  const suspend = invoke(scope, C.SuspendComponentAutoScaling, tasks.SuspendComponentAutoScaling).addCatch(
    restore,
    toRestore,
  );
  record.next(suspend).next(paths.next);
  return {
    beforeChange: record,
    afterHealthCheck: invoke(scope, C.ApplyComponentAutoScaling, tasks.ApplyComponentAutoScaling).addCatch(
      onFailureAfterChange.next,
      { errors: all, resultPath: onFailureAfterChange.resultPath },
    ),
    restore,
  };
}
