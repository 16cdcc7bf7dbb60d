import * as zc from 'zod/v4/core';
import type { WorkflowDefinition } from '../../workflows/workflow.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';
import { parseCommand, UsageError } from './args.ts';

/** The state machines a command accepts, as its help lists them. */
export const workflowNames = (workflows: readonly WorkflowDefinition[] = WORKFLOWS) =>
  workflows.map((w) => w.name).join(', ');

/** Help of `smwf schema`. */
const schemaHelp = `Usage: smwf schema <StateMachine>

Prints the JSON Schema of a state machine's execution input, generated from its zod contract.
Cross-field rules (for example "canarySize for CANARY") are checked by the first state, not the schema.

State machines: ${workflowNames()}
`;

/** Reads the state machine argument, or throws a UsageError listing the valid names. */
export function workflowArgument(
  args: readonly string[],
  workflows: readonly WorkflowDefinition[] = WORKFLOWS,
): WorkflowDefinition {
  const [name, ...rest] = args.filter((a) => !a.startsWith('-'));
  if (name === undefined) throw new UsageError(`missing <StateMachine> (one of ${workflowNames(workflows)})`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const workflow = workflows.find((w) => w.name === name);
  if (workflow === undefined)
    throw new UsageError(`unknown state machine '${name}' (one of ${workflowNames(workflows)})`);
  return workflow;
}

/** The JSON Schema of a workflow's input, as text. */
export function inputSchema(workflow: WorkflowDefinition): string {
  const schema = zc.toJSONSchema(workflow.input, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ title: `${workflow.name} input`, ...schema }, null, 2)}\n`;
}

/** `smwf schema <StateMachine>`. */
export async function schema(args: string[], workflows: readonly WorkflowDefinition[] = WORKFLOWS): Promise<number> {
  const { values, positionals } = parseCommand(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(schemaHelp);
    return 0;
  }
  process.stdout.write(inputSchema(workflowArgument(positionals, workflows)));
  return 0;
}
