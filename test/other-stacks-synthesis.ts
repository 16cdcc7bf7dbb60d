/**
 * The stacks the test run's other processes read from the synthesis cache, synthesized and cached once for the run:
 * the deployment configs child processes run their stack with (`smwf demo --registry`, test/e2e/demo.test.ts, and the
 * README's Local triggers block the registry demo's; the README's example runs, the doc test, the examples'), and the
 * end-to-end stack (test/e2e/e2e-stack.ts). A process that finds one cached skips loading aws-cdk-lib and
 * synthesizing (about 15 CPU-seconds each, on this machine).
 *
 * test/global-setup.ts runs `cacheOtherStacks` in a process of its own (`node --import tsx`), beside its own synthesis
 * of the default stack with the checks, which takes the longest of the setup on one core.
 */
import { join } from 'node:path';
import { projectRoot } from '../infra/project-root.ts';
import { DEFAULT_LOCAL_IDENTITY, loadSynthesizedWorkflows } from '../local/runner/synthesize.ts';
import { E2E_DEPLOYMENT_CONFIG, E2E_IDENTITY } from './e2e/e2e-stack.ts';

const CHILD_PROCESS_CONFIGS = ['smwf.registry-demo.config.json', 'smwf.examples.config.json'].map((file) =>
  join(projectRoot, 'examples', file),
);

/** Synthesizes and caches every stack above that is not cached yet. */
export async function cacheOtherStacks(): Promise<void> {
  for (const deploymentConfig of CHILD_PROCESS_CONFIGS) {
    await loadSynthesizedWorkflows(DEFAULT_LOCAL_IDENTITY, { deploymentConfig });
  }
  await loadSynthesizedWorkflows(E2E_IDENTITY, { deploymentConfig: E2E_DEPLOYMENT_CONFIG });
}
