/**
 * The functions that are no step of a workflow but the target of a trigger, listed once: the stack builds them
 * (TaskFunctions.triggerFunction), the bundle-size test bundles them, the local runner finds them by their tags.
 */

/** How one trigger function is deployed. */
export interface TriggerFunction {
  /** Its handler module, relative to the project root. */
  readonly code: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** Every trigger function, by name (its `sagemaker-workflows:task` tag). */
export const TRIGGER_FUNCTIONS = {
  /** The Model Registry rules' target: starts DeployApprovedModelPackage under a name derived from the decision. */
  ModelPackageEvents: { code: 'triggers/model-package-events/handler.ts', timeoutSeconds: 30, memoryMb: 256 },
} as const satisfies Readonly<Record<string, TriggerFunction>>;
