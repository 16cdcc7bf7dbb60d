import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The calls that start an emulator in the test's own process (directly or through the e2e harness). */
const STARTS_AN_EMULATOR = /\b(startEmulator|startTestEmulator|startHarness|useLocalEmulator)\(/;

/**
 * Test files that run in a fresh process each: the end-to-end, local (emulator, runner, triggers) and conformance
 * tests, and any other file that starts an emulator. They point process-wide state at what they start
 * (AWS_ENDPOINT_URL, the handlers' module-level SDK clients) and use real SDK clients, which must neither reach the
 * next file nor meet a client another file stubbed with aws-sdk-client-mock.
 */
const OWN_PROCESS = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.test.ts'))
  .map((path) => `test/${path}`)
  .filter(
    (file) =>
      /^test\/(e2e|local|conformance)\//.test(file) || STARTS_AN_EMULATOR.test(readFileSync(join(root, file), 'utf8')),
  );

/** What every test file gets, in either kind of process. */
const common = {
  setupFiles: ['test/setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks',
} as const satisfies TestProjectInlineConfiguration['test'];

export default defineConfig({
  test: {
    // Run once for both projects (which do not inherit it): synthesizes the app for the whole run.
    globalSetup: ['test/global-setup.ts'],
    // Both cores: many files spend much of their time waiting on model processes and child processes, not on
    // the CPU (vitest's default on this 2-core machine is a single worker).
    maxWorkers: 2,
    reporters: ['default', './test/permission-coverage-reporter.ts'],
    projects: [
      { test: { ...common, name: 'own-process', include: OWN_PROCESS } },
      {
        // The rest (unit tests with mocked clients, CDK synthesis, the CLI in-process, the doc test's shells)
        // share worker processes: aws-cdk-lib and the AWS SDK are loaded once per worker instead of once per file.
        test: {
          ...common,
          name: 'shared-process',
          include: ['test/**/*.test.ts'],
          exclude: OWN_PROCESS,
          isolate: false,
        },
      },
    ],
  },
});
