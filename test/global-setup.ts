/**
 * Runs once before every test file: synthesizes the app, with the cdk-nag checks, once for the whole run.
 * The runner's form goes to the synthesis cache (every file that runs state machines reads it), and the
 * template with cdk-nag's report is provided to the infra tests (`inject('defaultStack')`). The stacks other
 * processes read from the cache (test/other-stacks-synthesis.ts: the end-to-end stack, the examples' and the registry
 * demo's) are synthesized beside it, in a process of its own, when not cached yet. Every worker records the actions
 * its steps were allowed in one folder, for the permission coverage report (test/permission-coverage-reporter.ts).
 *
 * The `smwf` command's prebuilt bundle (cli/prebuilt.js) is built here too, when missing or stale, beside the synthesis:
 * on a fresh clone the doc test's sessions and the CLI tests would otherwise each build it at once in their first
 * `smwf` command.
 *
 * Under `npm test` the typecheck and the lint (package.json's `typecheck` and `lint`) start here too, in processes of
 * their own at the lowest priority, and run beside the synthesis and the first tests: a failure is printed when it
 * ends and fails the run.
 *
 * Every temp folder of the run goes under one root (TMPDIR, which the workers and every process they start inherit),
 * removed when the run ends: a test that leaves its folders behind (an emulator's state directory kept for a restart,
 * a killed command's) leaves nothing on the machine.
 */
import { spawn } from 'node:child_process';
import { accessSync, chmodSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensurePrebuilt } from '../cli/prebuilt.js';
import { projectRoot } from '../infra/project-root.ts';
import { PERMISSION_USAGE_DIR_ENV } from '../local/runner/permissions/usage-dir.ts';
import {
  cacheSynthesizedWorkflows,
  DEFAULT_LOCAL_IDENTITY,
  type SynthesizedStack,
  synthesizeStack,
} from '../local/runner/synthesize.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The project's default stack, synthesized once for the test run, with cdk-nag's report. */
    defaultStack: SynthesizedStack;
    /** Where every worker records the actions its steps were allowed (test/permission-coverage-reporter.ts). */
    permissionUsageDir: string;
  }
}

/** The niceness of the checks' processes: Unix's lowest priority. */
const LOWEST_PRIORITY = 19;

/** The package.json scripts `npm test` runs before the tests, run beside the synthesis. */
const CHECK_SCRIPTS = ['typecheck', 'lint'];

/**
 * Runs `npm run <script>` with its output in a file (a pipe would fill while the synthesis keeps this process's
 * event loop busy); resolves with what it printed when it failed, else with nothing.
 */
function runScript(script: string): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), `smwf-${script}-`));
  const output = join(dir, 'output.txt');
  const fd = openSync(output, 'w');
  const child = spawn('npm', ['run', '--silent', script], { cwd: projectRoot, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  // The lowest priority, which the processes it starts (tsc, biome) inherit: they take the CPU the synthesis and the
  // tests leave idle, rather than half of it while the synthesis holds every test back.
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, LOWEST_PRIORITY);
    } catch {
      // not allowed here: it runs at the usual priority
    }
  }
  return new Promise((resolve) => {
    const ended = (failure: string | undefined) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(failure);
    };
    child.once('error', (err) => ended(`npm run ${script}: ${err.message}`));
    child.once('close', (code, signal) => {
      const printed = readFileSync(output, 'utf8');
      ended(code === 0 ? undefined : `npm run ${script} failed (${signal ?? `exit ${code}`}):\n${printed}`);
    });
  });
}

/** Where the run's temp root goes when the machine has it. */
const MEMORY_FILE_SYSTEM = '/dev/shm';

/**
 * The run's temp root, made TMPDIR for this process and the workers it starts; returns the run's teardown. On the
 * memory file system (/dev/shm) when the machine has one: the tests make thousands of small folders and files, and on
 * this VM's disk each create, copy or remove costs milliseconds. Mode 1777, as /tmp: a model server's unprivileged
 * workers reach their folders under it.
 */
function useRunTempRoot(): () => void {
  let parent = tmpdir();
  try {
    accessSync(MEMORY_FILE_SYSTEM, constants.W_OK);
    parent = MEMORY_FILE_SYSTEM;
  } catch {
    // no /dev/shm: the system's temp folder
  }
  const root = mkdtempSync(join(parent, 'smwf-test-run-'));
  chmodSync(root, 0o1777);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The permission usage folder stays outside the temp root: the coverage reporter reads it after the teardown.
  const usageDir = mkdtempSync(join(tmpdir(), 'smwf-permission-usage-'));
  const removeTempRoot = useRunTempRoot();
  const checks = runChecks();
  try {
    await prepare(project, usageDir);
  } catch (error) {
    await checks;
    removeTempRoot();
    throw error;
  }
  return async () => {
    const failures = await checks;
    removeTempRoot();
    // Vitest prints an error thrown here but does not fail the run for it: the exit code is set as well.
    if (failures.length > 0) {
      process.exitCode = 1;
      throw new Error(failures.join('\n'));
    }
  };
}

/**
 * Under `npm test`, the typecheck and the lint, in processes of their own at the lowest priority, beside the synthesis
 * and then the tests (about 12 CPU-seconds: waiting for them, or sharing the CPU with them, would keep the tests from
 * starting while the synthesis, on one core, is the rest of the setup). A failure is printed as soon as it ends, and
 * fails the run at its end.
 */
function runChecks(): Promise<string[]> {
  if (process.env.npm_lifecycle_event !== 'test') return Promise.resolve([]);
  return Promise.all(
    CHECK_SCRIPTS.map(async (script) => {
      const failure = await runScript(script);
      if (failure !== undefined) process.stderr.write(`${failure}\n`);
      return failure;
    }),
  ).then((failures) => failures.filter((failure) => failure !== undefined));
}

/**
 * The other stacks' synthesis (test/other-stacks-synthesis.ts), in a process of its own beside this one's; rejects
 * with what it printed when it fails.
 */
function runOtherStacksSynthesis(): Promise<void> {
  const script = `import(${JSON.stringify(join(projectRoot, 'test', 'other-stacks-synthesis.ts'))}).then((m) => m.cacheOtherStacks())`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    cwd: projectRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let printed = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    printed += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`The other stacks' synthesis failed (${signal ?? `exit ${code}`}):\n${printed}`));
    });
  });
}

/** The synthesis, the caches and the prebuilt CLI; throws what failed. */
async function prepare(project: TestProject, usageDir: string): Promise<void> {
  const prebuilt = ensurePrebuilt(projectRoot);
  const otherStacks = runOtherStacksSynthesis();
  otherStacks.catch(() => undefined); // awaited below, unless this synthesis fails first
  const stack = await synthesizeStack({ checks: true });
  cacheSynthesizedWorkflows(DEFAULT_LOCAL_IDENTITY, stack);
  project.provide('defaultStack', stack);
  await otherStacks;
  // The reporter reads this process's variable; each worker sets its own from the provided value (test/setup.ts).
  process.env[PERMISSION_USAGE_DIR_ENV] = usageDir;
  project.provide('permissionUsageDir', usageDir);
  await prebuilt;
}
