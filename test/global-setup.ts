/**
 * Runs once before every test file: synthesizes the app, with the cdk-nag checks, once for the whole run.
 * The runner's form goes to the synthesis cache (every file that runs state machines reads it), and the
 * template with cdk-nag's report is provided to the infra tests (`inject('defaultStack')`). The end-to-end
 * stack (the app with the e2e deployment config: test/e2e/e2e-stack.ts) is cached too, synthesized only when
 * its sources changed.
 */
import type { TestProject } from 'vitest/node';
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
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const stack = await synthesizeStack({ nag: true });
  cacheSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' }, stack);
  project.provide('defaultStack', stack);
  await loadSynthesizedWorkflows(E2E_IDENTITY, { deploymentConfig: E2E_DEPLOYMENT_CONFIG });
}
