import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedDocs, projectRoot } from '../../cli/docs.ts';

describe('generated documentation', () => {
  it.each(generatedDocs())(
    '$path is up to date (run `npm run docs` after changing a contract or definition)',
    ({ path, content }) => {
      expect(readFileSync(join(projectRoot, path), 'utf8')).toBe(content);
    },
  );

  it('embeds a diagram naming every DeployEndpoint state in the README', () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');

    expect(readme).toContain('```mermaid\nflowchart TD');
    for (const state of ['ValidateInput', 'HealthCheck', 'StartRollback', 'DeploymentFailed', 'RollbackFailed']) {
      expect(readme).toMatch(new RegExp(`\\n  ${state}[[({/]`));
    }
  });
});
