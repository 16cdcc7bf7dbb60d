/**
 * Generated documentation, all derived from WORKFLOWS: each workflow's input JSON Schema under schemas/, its
 * example input under examples/inputs/, and the README's generated blocks (the table of workflows, and any
 * workflow's diagram or example). `smwf docs` writes them; a test fails when the committed copies are stale.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zc from 'zod/v4/core';
import { kebabCase } from '../contracts/kebab-case.ts';
import { DeploymentConfigFile } from '../infra/deployment-config/contract.ts';
import { projectRoot } from '../infra/project-root.ts';
import type { SynthesizedWorkflows } from '../local/runner/synthesize.ts';
import type { WorkflowDefinition } from '../workflows/workflow.ts';
import { WORKFLOWS } from '../workflows/workflows.ts';
import { defaultSynthesis, workflowDiagram } from './commands/diagram.ts';
import { inputSchema } from './commands/schema.ts';

/** Where a workflow's input schema is committed, relative to the project root. */
const schemaPath = (workflow: WorkflowDefinition) => `schemas/${kebabCase(workflow.name)}.input.schema.json`;

/** Where a workflow's example input is committed, relative to the project root. */
export const examplePath = (workflow: WorkflowDefinition) => `examples/inputs/${kebabCase(workflow.name)}.json`;

/** Where the deployment config file's schema is committed, relative to the project root. */
const DEPLOYMENT_CONFIG_SCHEMA_PATH = 'schemas/smwf.config.schema.json';

/** The JSON Schema of the deployment config file (smwf.config.json), as text. */
function deploymentConfigSchema(): string {
  const schema = zc.toJSONSchema(DeploymentConfigFile, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ title: 'sagemaker-workflows deployment config (smwf.config.json)', ...schema }, null, 2)}\n`;
}

/** A generated block of README.md: `<!-- generated: <what> -->` up to `<!-- end generated -->`. */
const GENERATED_BLOCK = /<!-- generated: ([^>]+?) -->\n[\s\S]*?<!-- end generated -->/g;

/** The table of every workflow: what it does, its schema and its example. */
function workflowTable(workflows: readonly WorkflowDefinition[]): string {
  const rows = workflows.map(
    (w) => `| ${w.name} | ${w.description} | [schema](${schemaPath(w)}) | [example](${examplePath(w)}) |`,
  );
  return ['| State machine | What an execution does | Input | Example |', '|---|---|---|---|', ...rows, ''].join('\n');
}

/** The content of one generated block, from what its marker asks for. */
function blockContent(what: string, workflows: readonly WorkflowDefinition[], synthesized: SynthesizedWorkflows) {
  if (what === 'workflow table') return workflowTable(workflows);
  const match = /^(smwf diagram|example) (\w+)$/.exec(what);
  const workflow = workflows.find((w) => w.name === match?.[2]);
  if (match === null || workflow === undefined) {
    throw new Error(`README.md has a generated block for '${what}', which names no block kind and workflow`);
  }
  return match[1] === 'example'
    ? `\`\`\`json\n${JSON.stringify(workflow.example, null, 2)}\n\`\`\`\n`
    : `\`\`\`mermaid\n${workflowDiagram(workflow, synthesized)}\`\`\`\n`;
}

/** Options of generatedDocs. */
interface GeneratedDocsOptions {
  /** @default WORKFLOWS */
  readonly workflows?: readonly WorkflowDefinition[];
  /** The synthesis diagrams are drawn from. @default - the project's stack, from the synthesis cache */
  readonly synthesized?: SynthesizedWorkflows;
}

/** Every generated file with the content it should have now. */
export async function generatedDocs(options: GeneratedDocsOptions = {}): Promise<{ path: string; content: string }[]> {
  const workflows = options.workflows ?? WORKFLOWS;
  const synthesized = options.synthesized ?? (await defaultSynthesis());
  const files = workflows.flatMap((workflow) => [
    { path: schemaPath(workflow), content: inputSchema(workflow) },
    { path: examplePath(workflow), content: `${JSON.stringify(workflow.example, null, 2)}\n` },
  ]);
  files.push({ path: DEPLOYMENT_CONFIG_SCHEMA_PATH, content: deploymentConfigSchema() });
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const content = readme.replace(
    GENERATED_BLOCK,
    (_block, what: string) =>
      `<!-- generated: ${what} -->\n${blockContent(what, workflows, synthesized)}<!-- end generated -->`,
  );
  files.push({ path: 'README.md', content });
  return files;
}
