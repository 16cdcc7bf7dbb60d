import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The calls that point this process's AWS SDK clients at an emulator (AWS_ENDPOINT_URL), and so the task handlers'
 * module-level clients: useLocalEmulator itself, the e2e harness (test/e2e/harness.ts, the one helper that calls
 * it), and `smwf run`'s local attempt in process.
 */
const POINTS_CLIENTS_AT_AN_EMULATOR = /\b(useLocalEmulator|startHarness|attemptLocally)\(/;

/**
 * Test files that get fresh copies of the project's modules: those that point the process's clients at an emulator
 * (the end-to-end tests, and the few others that run real handlers in process). The handlers' module-level SDK
 * clients keep the endpoint they were made with, which must not reach the next file: before each of these files,
 * test/fresh-modules.ts drops every module of the project the process has loaded, so the file's imports evaluate
 * them again (new clients, new stores, new caches). What stays loaded is what the project does not own: Node's
 * built-ins and node_modules (the AWS SDK, aws-local-stepfunctions, zod), whose loading is most of what a new process
 * would cost (about 1.2 CPU-seconds a file on this machine, against a new process for each). The project's process-wide patches of those
 * packages (the permission checks on the SDK's clients, failed Maps' queues) and its process-wide records (the live
 * containers) are kept on the process, not in a module, so a second copy of a module finds them.
 * The other files share processes and modules, the emulator's own tests among them (an emulator of their own,
 * reached by clients made for its URL, stopped when the file ends, and registering nothing process-wide once
 * stopped), the conformance tests, the runner and the trigger engine on hand-written handlers, and the tests of
 * spawned commands and model processes. What any file sets in the environment, or stubs, test/setup.ts undoes when
 * the file ends.
 */
const FRESH_MODULES = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.test.ts'))
  .map((path) => `test/${path}`)
  .filter((file) => POINTS_CLIENTS_AT_AN_EMULATOR.test(readFileSync(join(root, file), 'utf8')));

/**
 * The files that keep a worker busiest, longest first: the README's longest sections (the doc test, test/readme/),
 * the end-to-end files and the fault matrix's parts, which run for half a minute or more. Started first, none is left running alone at the end
 * of the run while the other worker idles.
 */
const LONGEST = [
  'test/readme/running-the-examples.test.ts',
  'test/e2e/right-size-endpoint.test.ts',
  'test/readme/the-smwf-command.test.ts',
  'test/cli/interrupts.test.ts',
  'test/e2e/fault-matrix-emulator-killed.test.ts',
  'test/e2e/load-test-endpoint.test.ts',
  'test/local/emulator/byoc.test.ts',
  'test/readme/local-emulator.test.ts',
  'test/e2e/deploy-endpoint.test.ts',
  'test/workflows/fault-matrix-deploy-updates.test.ts',
  'test/workflows/fault-matrix-other-workflows.test.ts',
  'test/workflows/fault-matrix-load-tests.test.ts',
  'test/workflows/fault-matrix-deploy-first-runs.test.ts',
  'test/readme/quick-start.test.ts',
  'test/readme/readme-commands.test.ts',
  'test/e2e/triggers.test.ts',
  // Not long, but waiting on its measurement windows for 15 s: started last (its place by size), it ran alone at the
  // end of the run while the other workers idled.
  'test/local/emulator/measurement-honesty.test.ts',
];
for (const file of LONGEST) {
  if (!existsSync(join(root, file))) throw new Error(`vitest.config.ts: LONGEST names ${file}, which does not exist`);
}

/**
 * Vitest's order (by project; within one, longest first by the last recorded durations, or largest first on a fresh
 * clone, which has none), with the LONGEST files moved to the front.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const index = LONGEST.indexOf(relative(root, spec.moduleId));
      return index === -1 ? LONGEST.length : index;
    };
    return (await super.sort(files))
      .map((spec, order) => ({ spec, order }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.order - b.order)
      .map(({ spec }) => spec);
  }
}

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
    // Three workers on this 2-core machine: many files spend much of their time waiting on model processes and child
    // processes, not on the CPU (vitest's default here is a single worker). Fresh-clone .ci/run, 2026-12-07, quiet
    // machine: 2 workers 4 min 42 s (vitest 263 s), 3 workers 4 min 22 s (238 s), 4 workers 4 min 22 s (232 s, with
    // more CPU and more contention for the tests that measure latency). Once the files that point clients at an
    // emulator shared processes: 3 workers 3 min 52 s to 4 min 2 s (vitest 206-219 s), 4 workers 3 min 56 s (206 s) with the
    // load test's ModelLatency-below-client-mean check failing under the contention.
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    reporters: ['default', './test/permission-coverage-reporter.ts'],
    projects: [
      {
        test: {
          ...common,
          name: 'fresh-modules',
          include: FRESH_MODULES,
          isolate: false,
          setupFiles: [...common.setupFiles, 'test/fresh-modules.ts'],
        },
      },
      {
        // The rest (unit tests with mocked clients, CDK synthesis, the CLI in-process, the emulator's own tests, the
        // doc test's shells) share worker processes: aws-cdk-lib, the AWS SDK and the emulator are loaded once per
        // worker instead of once per file.
        test: {
          ...common,
          name: 'shared-modules',
          include: ['test/**/*.test.ts'],
          exclude: FRESH_MODULES,
          isolate: false,
        },
      },
    ],
  },
});
