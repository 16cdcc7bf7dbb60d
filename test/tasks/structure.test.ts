/**
 * The shape of tasks/: every step reusable by any workflow. Shared code is workflow-agnostic, no step imports
 * a sibling step, and no step's code carries a validation library (each workflow's first state validates in
 * full; steps check their slice structurally).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/project-root.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';

/** Every module under tasks/ with each import it makes: the path it names, and whether it is type-only. */
function taskModules(): { file: string; imports: { path: string; typeOnly: boolean }[] }[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.ts')) files.push(join(dir, entry.name));
    }
  };
  walk(join(projectRoot, 'tasks'));
  return files.map((path) => {
    const text = readFileSync(path, 'utf8');
    const imports = [...text.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)';/gms)].map((m) => ({
      path: m[2] as string,
      typeOnly: m[1] !== undefined,
    }));
    return { file: relative(projectRoot, path), imports };
  });
}

const modules = taskModules();
const workflowFolders = WORKFLOWS.map((w) => w.folder);

describe('tasks/', () => {
  it('keeps tasks/_shared workflow-agnostic: nothing there imports a workflow folder', () => {
    expect(modules.filter((m) => m.imports.length > 0).length).toBeGreaterThan(40);
    for (const { file, imports } of modules.filter((m) => m.file.startsWith('tasks/_shared/'))) {
      for (const { path } of imports) {
        const target = relative(projectRoot, join(projectRoot, file, '..', path));
        expect(
          workflowFolders.some((folder) => target.startsWith(`${folder}/`)),
          `${file} imports ${path}`,
        ).toBe(false);
      }
    }
  });

  it('has no step import a sibling step', () => {
    for (const { file, imports } of modules.filter(
      (m) => !m.file.startsWith('tasks/_shared/') && m.file.split('/').length > 2,
    )) {
      const own = file.split('/')[1];
      for (const { path } of imports) {
        const target = relative(projectRoot, join(projectRoot, file, '..', path));
        const sibling = /^tasks\/([a-z0-9-]+)\//.exec(target)?.[1];
        expect(sibling === undefined || sibling === '_shared' || sibling === own, `${file} imports ${path}`).toBe(true);
      }
    }
  });

  it('carries no validation library in any step: zod is imported by workflows only, for first states', () => {
    for (const { file, imports } of modules) {
      for (const { path, typeOnly } of imports) {
        expect(path.startsWith('zod') && !typeOnly, `${file} imports ${path}`).toBe(false);
        // A workflow contract module (with zod schemas) may lend its types, never its values.
        const contract = /\/(contract(-parts)?|parts\/(endpoint|model|packaging))\.ts$/.test(path);
        expect(contract && !typeOnly, `${file} imports values from ${path}`).toBe(false);
      }
    }
  });
});
