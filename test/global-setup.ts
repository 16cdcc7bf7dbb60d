/**
 * Runs once before every test file: synthesizes the app into the synthesis cache, so the test files that run
 * the state machines (in parallel, in their own processes) all read that one synthesis instead of each
 * synthesizing the app again.
 */
import { loadSynthesizedWorkflows } from '../local/runner/synthesize.ts';

export default async function setup(): Promise<void> {
  await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
}
