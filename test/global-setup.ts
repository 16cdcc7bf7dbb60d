/**
 * Runs once before every test file: synthesizes the app, with the cdk-nag checks, once for the whole run.
 * The runner's form goes to the synthesis cache (every file that runs state machines reads it), and the
 * template with cdk-nag's report is provided to the infra tests (`inject('defaultStack')`). The end-to-end
 * stack (the app with the e2e deployment config: test/e2e/e2e-stack.ts) is cached too, synthesized only when
 * its sources changed. Every worker records the actions its steps were allowed in one folder, for the permission
 * coverage report (test/permission-coverage-reporter.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { projectRoot } from '../infra/project-root.ts';
import { PERMISSION_USAGE_DIR_ENV } from '../local/runner/permissions/enforcement.ts';
import {
  cacheSynthesizedWorkflows,
  loadSynthesizedWorkflows,
  type SynthesizedStack,
  synthesizeStack,
} from '../local/runner/synthesize.ts';
import { E2E_DEPLOYMENT_CONFIG, E2E_IDENTITY } from './e2e/e2e-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The project's default stack, synthesized once for the test run, with cdk-nag's report. */
    defaultStack: SynthesizedStack;
    /** Where every worker records the actions its steps were allowed (test/permission-coverage-reporter.ts). */
    permissionUsageDir: string;
  }
}

const LOCAL_IDENTITY = { account: '123456789012', region: 'us-east-1' };

/**
 * The deployment configs that child processes run their stack with: `smwf demo --registry` (test/e2e/demo.test.ts)
 * and the README's Local triggers block the registry demo's, the README's example runs (the doc test) the
 * examples'.
 */
const CHILD_PROCESS_CONFIGS = ['smwf.registry-demo.config.json', 'smwf.examples.config.json'].map((file) =>
  join(projectRoot, 'examples', file),
);

export default async function setup(project: TestProject): Promise<void> {
  const stack = await synthesizeStack({ checks: true });
  cacheSynthesizedWorkflows(LOCAL_IDENTITY, stack);
  project.provide('defaultStack', stack);
  // Synthesized here too, where aws-cdk-lib is already loaded, and cached for those processes: a process that
  // finds it cached skips loading aws-cdk-lib and synthesizing (about 15 CPU-seconds each, on this machine).
  for (const deploymentConfig of CHILD_PROCESS_CONFIGS)
    await loadSynthesizedWorkflows(LOCAL_IDENTITY, { deploymentConfig });
  await loadSynthesizedWorkflows(E2E_IDENTITY, { deploymentConfig: E2E_DEPLOYMENT_CONFIG });
  // The reporter reads this process's variable; each worker sets its own from the provided value (test/setup.ts).
  const usageDir = mkdtempSync(join(tmpdir(), 'smwf-permission-usage-'));
  process.env[PERMISSION_USAGE_DIR_ENV] = usageDir;
  project.provide('permissionUsageDir', usageDir);
}
