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
 * Blocks run one after the other in this one file, so the whole README costs one worker.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/project-root.ts';
import { type ReadmeCommand, readmeSessions, readmeShellBlocks } from './readme-blocks.ts';
import { type CommandOutcome, ShellSession } from './shell-session.ts';

const sessions = readmeSessions(readmeShellBlocks(readFileSync(join(projectRoot, 'README.md'), 'utf8')));

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

/** A fresh directory that looks like a fresh clone after `npm ci`: the project's entries linked, no state. */
function freshCheckout(): string {
  // The same path on every run of this checkout: local runs key the synthesis cache by the config file's path.
  const dir = join(tmpdir(), `smwf-readme-${createHash('sha256').update(projectRoot).digest('hex').slice(0, 12)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(projectRoot)) {
    if (['.git', '.smwf', 'cdk.out'].includes(entry)) continue;
    symlinkSync(join(projectRoot, entry), join(dir, entry));
  }
  return dir;
}

/** A shell environment with no AWS settings (nor AWS config files) and nothing of the test runner's. */
function userEnvironment(checkout: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|SMWF_|VITEST|NODE_OPTIONS$|NODE_ENV$)/.test(key)) continue;
    env[key] = value;
  }
  env.AWS_CONFIG_FILE = join(checkout, '.no-aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(checkout, '.no-aws-credentials');
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

let checkout: string;
let outputs: string;
let port: string;

beforeAll(async () => {
  checkout = freshCheckout();
  outputs = join(checkout, '..', `${checkout.split('/').at(-1)}-outputs`);
  rmSync(outputs, { recursive: true, force: true });
  mkdirSync(outputs, { recursive: true });
  port = String(await freePort());
});

afterAll(() => {
  rmSync(checkout, { recursive: true, force: true });
  rmSync(outputs, { recursive: true, force: true });
});

describe('README.md: every command of a local block runs as written', () => {
  it('has local blocks to run', () => {
    expect(sessions.length).toBeGreaterThan(0);
  });

  for (const session of sessions) {
    it(`${session.heading} (the block at README line ${session.line})`, { timeout: 900_000 }, async () => {
      const sessionOutputs = join(outputs, String(session.line));
      mkdirSync(sessionOutputs);
      const shell = new ShellSession(checkout, userEnvironment(checkout), sessionOutputs);
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
