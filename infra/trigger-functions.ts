/**
 * The functions that are no step of a workflow but the target of a trigger, listed once: the stack builds them
 * (TaskFunctions.triggerFunction), the bundle-size test bundles them, the local runner finds them by their tags.
 */

import type { Permission } from '../tasks/_shared/task-registration.ts';
import { registration as executionCleanup } from '../triggers/execution-cleanup/registration.ts';

/** How one trigger function is deployed. */
export interface TriggerFunction {
  /** Its handler module, relative to the project root. */
  readonly code: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The IAM actions it calls, granted as a step's are. @default - none: the stack grants what it calls */
  readonly permissions?: readonly Permission[];
}

/** Every trigger function, by name (its `sagemaker-workflows:task` tag). */
export const TRIGGER_FUNCTIONS = {
  /** The Model Registry rules' target: starts DeployApprovedModelPackage under a name derived from the decision. */
  ModelPackageEvents: { code: 'triggers/model-package-events/handler.ts', timeoutSeconds: 30, memoryMb: 256 },
  /**
   * The target of the rule on the state machines' status changes: removes what an ABORTED or TIMED_OUT execution
   * created and nothing serves, and the throwaways a FAILED one left (triggers/execution-cleanup).
   */
  ExecutionCleanup: {
    code: 'triggers/execution-cleanup/handler.ts',
    timeoutSeconds: executionCleanup.timeoutSeconds,
    memoryMb: executionCleanup.memoryMb,
    permissions: executionCleanup.permissions,
  },
} as const satisfies Readonly<Record<string, TriggerFunction>>;
