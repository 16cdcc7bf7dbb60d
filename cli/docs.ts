/**
 * Generated documentation: each state machine's input JSON Schema under schemas/, and the DeployEndpoint
 * diagram embedded in README.md. `smwf docs` writes them; a test fails when the committed copies are stale.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKFLOW_NAMES } from '../workflows/workflow-names.ts';
import { workflowDiagram } from './commands/diagram.ts';
import { inputSchema } from './commands/schema.ts';

/** The project's root folder. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const kebab = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** Where a workflow's input schema is committed, relative to the project root. */
export const schemaPath = (workflow: string) => `schemas/${kebab(workflow)}.input.schema.json`;

const DIAGRAM_START = '<!-- generated: smwf diagram DeployEndpoint -->';
const DIAGRAM_END = '<!-- end generated -->';

/** Every generated file with the content it should have now. */
export function generatedDocs(): { path: string; content: string }[] {
  const files = WORKFLOW_NAMES.map((workflow) => ({ path: schemaPath(workflow), content: inputSchema(workflow) }));
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(DIAGRAM_START);
  const end = readme.indexOf(DIAGRAM_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${DIAGRAM_START} ... ${DIAGRAM_END} block`);
  const block = `${DIAGRAM_START}\n\`\`\`mermaid\n${workflowDiagram('DeployEndpoint')}\`\`\`\n`;
  files.push({ path: 'README.md', content: readme.slice(0, start) + block + readme.slice(end) });
  return files;
}
