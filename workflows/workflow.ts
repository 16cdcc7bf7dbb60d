/**
 * What a workflow is: one state machine, defined in one folder under workflows/ and listed once in
 * WORKFLOWS (workflows/workflows.ts). Everything that enumerates workflows (the stack, the CLI, the published
 * schemas and examples, the per-workflow tests) reads these definitions; nothing else names a workflow.
 */
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type * as zc from 'zod/v4/core';
import type { TaskRef, TaskRefs } from './fragments.ts';

/** The tasks a workflow's definition is built from: every registered step, and its own first state. */
export type WorkflowTasks = TaskRefs & {
  /** This workflow's first state: validates the execution input against `input` (its folder's validate-input.ts). */
  readonly ValidateInput: TaskRef;
};

/** One workflow. */
export interface WorkflowDefinition<Name extends string = string, Input extends zc.$ZodType = zc.$ZodType> {
  /** The state machine's name: `smwf run <name>`, its stack output `<name>StateMachineArn`. */
  readonly name: Name;
  /** One line: what an execution does. */
  readonly description: string;
  /** The execution input's contract: checked by the first state, published as a JSON Schema. */
  readonly input: Input;
  /** An execution input that satisfies the contract (published under examples/inputs/). */
  readonly example: zc.input<Input>;
  /** The longest an execution may run (busy retries, wait deadlines and a rollback that waits too). */
  readonly timeout: Duration;
  /** The folder of the workflow's code, relative to the project root; it holds validate-input.ts. */
  readonly folder: string;
  /**
   * The execution makes throwaway resources (tagged `sagemaker-workflows:throwaway` and with the execution's ARN):
   * the stack's execution cleanup then also runs when an execution FAILS, and deletes them (whatever the definition
   * deleted already). @default false
   */
  readonly makesThrowaways?: boolean;
  /** Every state of the definition, by name (tests and the runner refer to states through it). */
  readonly states: Readonly<Record<string, string>>;
  /** Builds the state machine's definition. */
  readonly build: (scope: Construct, tasks: WorkflowTasks) => sfn.IChainable;
}

/** The folder a workflow module lives in, relative to the project root, from that module's `import.meta.url`. */
export function folderOf(moduleUrl: string): string {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  return relative(root, dirname(fileURLToPath(moduleUrl)))
    .split('\\')
    .join('/');
}
