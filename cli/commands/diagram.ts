import {
  DEFAULT_LOCAL_IDENTITY,
  loadSynthesizedWorkflows,
  type SynthesizedWorkflows,
} from '../../local/runner/synthesize.ts';
import type { WorkflowDefinition } from '../../workflows/workflow.ts';
import { toMermaid } from '../render/mermaid.ts';
import { parseCommand } from './args.ts';
import { workflowArgument, workflowNames } from './schema.ts';

/** Help of `smwf diagram`. */
const diagramHelp = `Usage: smwf diagram <StateMachine>

Prints a Mermaid flowchart of the state machine, generated from its synthesized definition
(tasks as boxes, choices as diamonds, caught errors as dashed edges).

State machines: ${workflowNames()}
`;

/** The synthesis diagrams are drawn from: the project's stack, from the synthesis cache. */
export const defaultSynthesis = () => loadSynthesizedWorkflows(DEFAULT_LOCAL_IDENTITY);

/** The Mermaid flowchart of a workflow's synthesized definition. */
export function workflowDiagram(workflow: WorkflowDefinition, synthesized: SynthesizedWorkflows): string {
  const definition = synthesized.definitions[workflow.name];
  if (definition === undefined) throw new Error(`State machine ${workflow.name} is missing from the synthesized stack`);
  return toMermaid(definition);
}

/** `smwf diagram <StateMachine>`. */
export async function diagram(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(diagramHelp);
    return 0;
  }
  const workflow = workflowArgument(positionals);
  process.stdout.write(workflowDiagram(workflow, await defaultSynthesis()));
  return 0;
}
