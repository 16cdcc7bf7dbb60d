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
  let current: ScriptedSageMaker | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(start));
    current = new ScriptedSageMaker();
    current.install();
    use(current);
  });
  afterEach(() => {
    current?.restore();
    vi.useRealTimers();
  });
}
