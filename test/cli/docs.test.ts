import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedDocs } from '../../cli/docs.ts';
import { projectRoot } from '../../infra/project-root.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';

const docs = await generatedDocs();

describe('generated documentation', () => {
  it.each(docs)(
    '$path is up to date (run `npm run docs` after changing a contract or definition)',
    ({ path, content }) => {
      expect(readFileSync(join(projectRoot, path), 'utf8')).toBe(content);
    },
  );

  it('publishes a schema and an example input for every workflow', () => {
    const paths = docs.map((file) => file.path);
    for (const workflow of WORKFLOWS) {
      expect(paths).toContain(`schemas/${workflow.folder.split('/').at(-1)}.input.schema.json`);
      expect(paths).toContain(`examples/inputs/${workflow.folder.split('/').at(-1)}.json`);
    }
  });

  it('embeds a diagram naming every DeployEndpoint state in the README', () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');

    expect(readme).toContain('```mermaid\nflowchart TD');
    for (const state of ['ValidateInput', 'HealthCheck', 'StartRollback', 'DeploymentFailed', 'RollbackFailed']) {
      expect(readme).toMatch(new RegExp(`\\n  ${state}[[({/]`));
    }
  });
});
