/**
 * The permission coverage report: after a run of the whole suite, prints for each step the actions its role grants
 * that no local execution exercised (every worker recorded the actions its steps were allowed: test/global-setup.ts
 * names the folder), and fails the run when that list and README.md's table "Grants no local run exercises"
 * differ: each unexercised grant is explained there, or removed from its step's registration. A partial run
 * (some test files, or a failure) is not judged: what it did not run would show as unexercised.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { projectRoot } from '../infra/project-root.ts';
import { readPermissionUsage, unexercisedGrants } from '../local/runner/permissions/coverage.ts';
import { PERMISSION_USAGE_DIR_ENV } from '../local/runner/permissions/usage-dir.ts';
import { loadSynthesizedWorkflows } from '../local/runner/synthesize.ts';
import { E2E_DEPLOYMENT_CONFIG, E2E_IDENTITY } from './e2e/e2e-stack.ts';

/** The README heading of the table that explains each unexercised grant. */
const README_TABLE = 'Grants no local run exercises';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(projectRoot, path)] : [];
  });
}

/** The `| \`Step\` | \`action\` | why |` rows of README.md's table, as `Step action` keys. */
function documentedGrants(): Set<string> {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(README_TABLE);
  if (start < 0) return new Set();
  const rows = readme.slice(start).split('\n').slice(1);
  const keys = new Set<string>();
  let inTable = false;
  for (const row of rows) {
    const match = /^\| `([\w.]+)` \| `([\w-]+:[\w*]+)` \|/.exec(row);
    if (match) {
      keys.add(`${match[1]} ${match[2]}`);
      inTable = true;
    } else if (inTable && !row.startsWith('|')) {
      break;
    }
  }
  return keys;
}

export default class PermissionCoverageReporter implements Reporter {
  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    const dir = process.env[PERMISSION_USAGE_DIR_ENV];
    if (dir === undefined) return;
    try {
      const ran = new Set(testModules.map((m) => relative(projectRoot, m.moduleId)));
      const whole = testFiles(join(projectRoot, 'test')).every((file) => ran.has(file));
      const passed = testModules.every((m) => m.state() === 'passed');
      if (!whole || !passed) return;
      const workflows = await loadSynthesizedWorkflows(E2E_IDENTITY, { deploymentConfig: E2E_DEPLOYMENT_CONFIG });
      const unexercised = unexercisedGrants(workflows, readPermissionUsage(dir));
      const lines = ['', `Permission coverage: ${unexercised.length} granted action(s) no local run exercised`];
      for (const { task, action } of unexercised) lines.push(`  ${task.padEnd(28)} ${action}`);
      const documented = documentedGrants();
      const found = new Set(unexercised.map((g) => `${g.task} ${g.action}`));
      const undocumented = [...found].filter((key) => !documented.has(key));
      const stale = [...documented].filter((key) => !found.has(key));
      if (undocumented.length > 0) {
        lines.push(`Not explained in README.md "${README_TABLE}" (explain why each is needed, or remove the grant):`);
        lines.push(...undocumented.map((key) => `  ${key}`));
      }
      if (stale.length > 0) {
        lines.push(`Listed in README.md "${README_TABLE}" but exercised now or no longer granted (remove the row):`);
        lines.push(...stale.map((key) => `  ${key}`));
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      if (undocumented.length > 0 || stale.length > 0) process.exitCode = 1;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
