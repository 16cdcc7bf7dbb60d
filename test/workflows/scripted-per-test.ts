/**
 * The workflow tests' SageMaker: a fresh ScriptedSageMaker installed before each test of a file, on a faked Date that
 * starts at the same instant every time, and restored with the real Date after it.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';

/** Registers the hooks; `use` receives each test's ScriptedSageMaker before the test runs. */
export function scriptedSageMakerForEachTest(
  use: (aws: ScriptedSageMaker) => void,
  start = '2026-11-25T09:00:00Z',
): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(start));
    current = new ScriptedSageMaker();
    current.install();
    use(current);
  });
  afterEach(() => {
    current?.restore();
    current = undefined;
    vi.useRealTimers();
  });
}

/** The test's ScriptedSageMaker (the one installed). */
let current: ScriptedSageMaker | undefined;

/**
 * Restores the test's ScriptedSageMaker and installs a new one in its place, which is restored after the test as the
 * first would have been (a test that restored and replaced its own would leave the new one answering the next file's
 * clients).
 */
export function replaceScriptedSageMaker(
  options?: ConstructorParameters<typeof ScriptedSageMaker>[0],
): ScriptedSageMaker {
  current?.restore();
  current = new ScriptedSageMaker(options);
  current.install();
  return current;
}
