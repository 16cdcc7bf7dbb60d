import * as z from 'zod/mini';
import { WORKFLOW_INPUTS } from '../../workflows/inputs.ts';
import { WORKFLOW_NAMES, type WorkflowName } from '../../workflows/workflow-names.ts';
import { parseCommand, UsageError } from './args.ts';

/** Help of `smwf schema`. */
export const schemaHelp = `Usage: smwf schema <StateMachine>

Prints the JSON Schema of a state machine's execution input, generated from its zod contract.
Cross-field rules (for example "canarySize for CANARY") are checked by the first state, not the schema.

State machines: ${WORKFLOW_NAMES.join(', ')}
`;

/** Reads the state machine argument, or throws a UsageError listing the valid names. */
export function workflowArgument(args: readonly string[]): WorkflowName {
  const [name, ...rest] = args.filter((a) => !a.startsWith('-'));
  if (name === undefined) throw new UsageError(`missing <StateMachine> (one of ${WORKFLOW_NAMES.join(', ')})`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const workflow = WORKFLOW_NAMES.find((w) => w === name);
  if (workflow === undefined)
    throw new UsageError(`unknown state machine '${name}' (one of ${WORKFLOW_NAMES.join(', ')})`);
  return workflow;
}

/** The JSON Schema of a workflow's input, as text. */
export function inputSchema(workflow: WorkflowName): string {
  const schema = z.toJSONSchema(WORKFLOW_INPUTS[workflow], { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ title: `${workflow} input`, ...schema }, null, 2)}\n`;
}

/** `smwf schema <StateMachine>`. */
export async function schema(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(schemaHelp);
    return 0;
  }
  process.stdout.write(inputSchema(workflowArgument(positionals)));
  return 0;
}
