import { synthesizeWorkflows } from '../../local/runner/synthesize.ts';
import { WORKFLOW_NAMES, type WorkflowName } from '../../workflows/workflow-names.ts';
import { toMermaid } from '../render/mermaid.ts';
import { parseCommand } from './args.ts';
import { workflowArgument } from './schema.ts';

/** Help of `smwf diagram`. */
export const diagramHelp = `Usage: smwf diagram <StateMachine>

Prints a Mermaid flowchart of the state machine, generated from its synthesized definition
(tasks as boxes, choices as diamonds, caught errors as dashed edges).

State machines: ${WORKFLOW_NAMES.join(', ')}
`;

/** The Mermaid flowchart of a workflow's synthesized definition. */
export function workflowDiagram(workflow: WorkflowName): string {
  return toMermaid(synthesizeWorkflows({ account: '123456789012', region: 'us-east-1' }).definitions[workflow]);
}

/** `smwf diagram <StateMachine>`. */
export async function diagram(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(diagramHelp);
    return 0;
  }
  process.stdout.write(workflowDiagram(workflowArgument(positionals)));
  return 0;
}
