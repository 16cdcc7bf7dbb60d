/**
 * Runs once before every test file: synthesizes the app, with the cdk-nag checks, once for the whole run.
 * The runner's form goes to the synthesis cache (every file that runs state machines reads it), and the
 * template with cdk-nag's report is provided to the infra tests (`inject('defaultStack')`).
 */
import type { TestProject } from 'vitest/node';
import { cacheSynthesizedWorkflows, type SynthesizedStack, synthesizeStack } from '../local/runner/synthesize.ts';

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
}
