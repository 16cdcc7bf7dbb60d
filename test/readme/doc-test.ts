/**
 * The doc test: every command of README.md's blocks marked `<!-- doc-test: local -->` runs as written, in README
 * order, in a fresh checkout-like directory (the project's files linked into it, no `.smwf/` state), with a
 * shell environment that has no AWS settings of its own. A command fails the test when it exits non-zero, prints
 * on standard error an error or warning line the README does not show (its `# prints` comment), or does not print
 * what its `# prints` comment says. A server (`smwf local start`) runs in the background until its block's
 * shell ends, then gets Ctrl-C's SIGINT and must stop with no error either: exit 0, or 130 (128 + SIGINT), which is
 * how npx reports a command ended by Ctrl-C.
 *
 * One rewrite: the README's port 4566 becomes a free port, since another program or test may hold 4566.
 *
 * Each session (a block run in a new shell, with the `same shell` blocks after it) gets a fresh checkout of its
 * own, as a reader who follows one section on a fresh clone has, so sessions run apart from each other: a session
 * whose heading has a test file of its own (`test/readme/<heading in kebab-case>.test.ts`, e.g. "Running the
 * examples" in running-the-examples.test.ts) runs there, the others in readme-commands.test.ts. Test files run on
 * both workers at once, so the README's longest sections no longer run one after the other on one worker.
 *
 * A file may also check a command's run further (`inspect`): what the end-to-end tests would otherwise check on a
 * second run of the same command (the demos), checked on the run the README makes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/project-root.ts';
import { MARKER_VARIABLE } from '../cli/spawned-command.ts';
import { processesWithEnvironment } from '../local/emulator/helpers.ts';
import { type ReadmeCommand, readmeSessions, readmeShellBlocks } from './readme-blocks.ts';
import { type CommandOutcome, ShellSession } from './shell-session.ts';

/** The README's port, replaced by a free one. */
const README_PORT = '4566';
/** Commands that serve until Ctrl-C, run in the background. */
const SERVER = /\bsmwf local start\b/;
/** What an error or a warning looks like on standard error (a failed state, an AWS CLI or npm error, a stack trace). */
const ERROR_LINE =
  /\b[A-Z]\w*(Error|Exception)\b|\berror\b|\bwarn(ing)?\b|\bERR!|Traceback|^\s+at .+:\d+:\d+\)?$|^(FAILED|TIMED_OUT|ABORTED) in /i;
const COMMAND_TIMEOUT_MS = 300_000;
/** The exit code of a process ended by SIGINT, as npm reports its command's. */
const STOPPED_BY_CTRL_C = 130;
const SERVER_START_TIMEOUT_MS = 120_000;
/** The file that runs the sessions no other file runs. */
const OTHER_SESSIONS_FILE = 'readme-commands.test.ts';
/** How long an inspected command's processes get to end after it did. */
const PROCESSES_END_TIMEOUT_MS = 20_000;

/** The run of a command a test file inspects. */
export interface InspectedRun extends CommandOutcome {
  /** The directory it ran in (its session's fresh checkout), kept until the file's tests have ended. */
  readonly cwd: string;
  /** Its processes still alive once it had ended, after they had PROCESSES_END_TIMEOUT_MS to end. */
  readonly processesLeft: readonly number[];
}

/** The file name of the test file of its own a session with this heading has, if it exists. */
export function sessionTestFile(heading: string): string {
  const kebab = heading
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${kebab}.test.ts`;
}

/**
 * A fresh directory that looks like a fresh clone after `npm ci`: the project's entries linked, no state. The same
 * path on every run of this checkout for one session (a new one per run would leave one behind after a crash).
 */
function freshCheckout(session: string): string {
  const key = createHash('sha256').update(`${projectRoot}\0${session}`).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `smwf-readme-${key}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(projectRoot)) {
    if (['.git', '.smwf', 'cdk.out'].includes(entry)) continue;
    symlinkSync(join(projectRoot, entry), join(dir, entry));
  }
  return dir;
}

/**
 * A shell environment with no AWS settings (nor AWS config files) and nothing of the test runner's (nor of the
 * `npm test` that may have started it: its npm_* variables name this project's folder, not the fresh checkout), but
 * a marker every process of the session inherits (spawned-command.ts), which finds what a command leaves running.
 */
function userEnvironment(checkout: string, marker: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|SMWF_|VITEST|NODE_OPTIONS$|NODE_ENV$|npm_|INIT_CWD$)/.test(key)) continue;
    env[key] = value;
  }
  // npm run puts every node_modules/.bin above the project (and its node-gyp) first in PATH; a user's shell has none.
  env.PATH = (env.PATH ?? '')
    .split(':')
    .filter((dir) => !/\/node_modules\/\.bin$|\/node-gyp-bin$/.test(dir))
    .join(':');
  env.AWS_CONFIG_FILE = join(checkout, '.no-aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(checkout, '.no-aws-credentials');
  env[MARKER_VARIABLE] = marker;
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Standard error lines that look like an error or a warning and that the README does not show. */
function unexpectedErrors(stderr: string, shown: string | undefined): string[] {
  return stderr.split('\n').filter((line) => ERROR_LINE.test(line) && (shown === undefined || !line.includes(shown)));
}

function report(command: string, outcome: CommandOutcome): string {
  return `${command}\nexit ${outcome.code}\n--- stdout\n${outcome.stdout.slice(-4000)}\n--- stderr\n${outcome.stderr.slice(-4000)}`;
}

/** The session's processes other than its shell and its servers, once none is left or the time is up. */
async function processesLeftBy(shell: ShellSession, marker: string): Promise<number[]> {
  const deadline = Date.now() + PROCESSES_END_TIMEOUT_MS;
  for (;;) {
    const kept = new Set([shell.pid, ...shell.serverProcesses()]);
    const left = processesWithEnvironment(`${MARKER_VARIABLE}=${marker}`).filter((pid) => !kept.has(pid));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Declares the doc test of the sessions the calling test file runs (`testFile`: its `import.meta.url`): the
 * session whose heading names the file, or, for readme-commands.test.ts, every session without a file of its own.
 * The commands named in `inspect` (as the README writes them) are kept with what they left running; the function
 * returned gives a later test of the file the run of one (it throws when the command has not run).
 */
export function describeReadmeSessions(
  testFile: string,
  inspect: readonly string[] = [],
): (command: string) => InspectedRun {
  const file = basename(fileURLToPath(testFile));
  const sessions = readmeSessions(readmeShellBlocks(readFileSync(join(projectRoot, 'README.md'), 'utf8')));
  const own = sessions.filter((session) =>
    file === OTHER_SESSIONS_FILE
      ? !existsSync(join(projectRoot, 'test', 'readme', sessionTestFile(session.heading)))
      : sessionTestFile(session.heading) === file,
  );
  if (file !== OTHER_SESSIONS_FILE && own.length === 0) {
    throw new Error(`${file}: no block of README.md that the doc test runs is under a heading of that name`);
  }
  for (const command of inspect) {
    if (!own.some((session) => session.commands.some((c) => c.text === command))) {
      throw new Error(`${file}: inspects \`${command}\`, which none of its README sessions runs`);
    }
  }
  const inspected = new Map<string, InspectedRun>();
  const checkouts: string[] = [];

  let outputs: string;
  beforeAll(() => {
    outputs = join(tmpdir(), `smwf-readme-outputs-${createHash('sha256').update(testFile).digest('hex').slice(0, 12)}`);
    rmSync(outputs, { recursive: true, force: true });
    mkdirSync(outputs, { recursive: true });
  });
  afterAll(() => {
    rmSync(outputs, { recursive: true, force: true });
    for (const checkout of checkouts) rmSync(checkout, { recursive: true, force: true });
  });

  describe('README.md: every command of a local block runs as written', () => {
    if (file === OTHER_SESSIONS_FILE) {
      it('has local blocks to run', () => {
        expect(sessions.length).toBeGreaterThan(0);
      });
    }

    for (const session of own) {
      it(`${session.heading} (the block at README line ${session.line})`, { timeout: 900_000 }, async () => {
        const checkout = freshCheckout(session.heading);
        checkouts.push(checkout);
        const port = String(await freePort());
        const sessionOutputs = join(outputs, String(session.line));
        mkdirSync(sessionOutputs);
        const marker = `readme-${process.pid}-${session.line}-${Date.now()}`;
        const shell = new ShellSession(checkout, userEnvironment(checkout, marker), sessionOutputs);
        const withPort = (text: string) => text.replaceAll(README_PORT, port);
        try {
          if (session.commands.some((c) => c.text.startsWith('aws '))) {
            const found = await shell.run('command -v aws', 10_000);
            expect(found.code, 'the AWS CLI is not installed: apt-get install awscli (as .ci/run does)').toBe(0);
          }
          for (const command of session.commands as ReadmeCommand[]) {
            const text = withPort(command.text);
            const prints = command.prints === undefined ? undefined : withPort(command.prints);
            if (SERVER.test(text)) {
              await shell.startServer(text, prints ?? 'AWS_ENDPOINT_URL=', SERVER_START_TIMEOUT_MS);
              continue;
            }
            const outcome = await shell.run(text, COMMAND_TIMEOUT_MS);
            if (inspect.includes(command.text)) {
              const processesLeft = await processesLeftBy(shell, marker);
              inspected.set(command.text, { ...outcome, cwd: checkout, processesLeft });
            }
            const what = `README line ${command.line}: ${report(text, outcome)}`;
            expect(outcome.code, what).toBe(0);
            expect(unexpectedErrors(outcome.stderr, prints), what).toEqual([]);
            if (prints !== undefined) expect(`${outcome.stdout}${outcome.stderr}`, what).toContain(prints);
          }
          for (const stopped of await shell.stopServers(60_000)) {
            const what = `stopping ${report(stopped.command, stopped)}`;
            expect([0, STOPPED_BY_CTRL_C], what).toContain(stopped.code);
            expect(unexpectedErrors(stopped.stderr, undefined), what).toEqual([]);
          }
        } finally {
          shell.close();
        }
      });
    }
  });

  return (command) => {
    const run = inspected.get(command);
    if (run === undefined) throw new Error(`README's \`${command}\` has not run (its session failed before it)`);
    return run;
  };
}
