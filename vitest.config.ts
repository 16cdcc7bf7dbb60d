import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Test files that start an emulator (themselves, through the e2e harness or a `smwf` process) or a local Step
 * Functions API: each runs in a fresh process, because they point process-wide state at what they start
 * (AWS_ENDPOINT_URL, the handlers' module-level SDK clients) and that must not reach the next file.
 */
const OWN_PROCESS = [
  'test/e2e/**/*.test.ts',
  'test/local/**/*.test.ts',
  'test/conformance/**/*.test.ts',
  'test/cli/run.test.ts',
  'test/infra/bundles.test.ts',
];

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
    reporters: ['default'],
    projects: [
      { test: { ...common, name: 'own-process', include: OWN_PROCESS } },
      {
        // The rest (unit tests with mocked clients, CDK synthesis, the CLI in-process) share worker processes:
        // aws-cdk-lib and the AWS SDK are loaded once per worker instead of once per file.
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
