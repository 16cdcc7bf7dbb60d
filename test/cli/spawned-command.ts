/**
 * An `smwf` command run as a user runs it, in a child process, with a run marker in its environment: every process
 * of the run (the command, the emulator's model processes and whatever they start) inherits it, so a test can search
 * /proc for anything of the run that is still alive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { environmentOf } from '../../local/emulator/hosting/process-tree.ts';
import { processesWithEnvironment } from '../local/emulator/helpers.ts';

const CLI = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The environment variable that marks every process of one run. */
export const MARKER_VARIABLE = 'SMWF_TEST_RUN';
let runs = 0;

/** How a spawned command ended. */
export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `smwf` command. */
export class SpawnedCommand {
  /** Every line it printed so far, standard output and standard error together, in order. */
  readonly lines: string[] = [];
  readonly ended: Promise<Ended>;
  private readonly waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  private constructor(
    readonly child: ChildProcess,
    /** The `NAME=value` entry every process of the run starts with. */
    readonly marker: string,
  ) {
    let ended!: (value: Ended) => void;
    this.ended = new Promise((resolve) => {
      ended = resolve;
    });
    // 'close', not 'exit': a child's last lines can still be in its pipes when it exits, and a test reads them after.
    child.once('close', (code, signal) => ended({ code, signal }));
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const line of parts) this.take(line);
      });
    }
  }

  /** Spawns `smwf <args>` from the project's root with a fresh run marker. */
  static start(args: string[], env: Record<string, string> = {}): SpawnedCommand {
    return SpawnedCommand.node([CLI, ...args], env);
  }

  /**
   * Spawns `node <argv>` from the project's root with a fresh run marker; `ownGroup` puts it in a process group of
   * its own, as a shell runs a foreground job, so that `interruptGroup` can signal it as a terminal's Ctrl-C does.
   */
  static node(argv: string[], env: Record<string, string> = {}, ownGroup = false): SpawnedCommand {
    runs += 1;
    const marker = `${MARKER_VARIABLE}=${process.pid}-${Date.now()}-${runs}`;
    const child = spawn(process.execPath, argv, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, AWS_ENDPOINT_URL: '', ...env, [MARKER_VARIABLE]: marker.split('=')[1] as string },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: ownGroup,
    });
    return new SpawnedCommand(child, marker);
  }

  private take(line: string): void {
    this.lines.push(line);
    for (const waiter of [...this.waiters]) {
      if (waiter.test(line)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  }

  /** Resolves with the first line (printed so far or later) that passes `test`; rejects when the command ends first. */
  printed(test: (line: string) => boolean, what = String(test)): Promise<string> {
    const found = this.lines.find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, resolve });
      void this.ended.then((end) =>
        reject(new Error(`ended (${end.code ?? end.signal}) before printing ${what}:\n${this.lines.join('\n')}`)),
      );
    });
  }

  /** Resolves with the first `--json` progress event of type `type` for state `state`. */
  entered(state: string): Promise<string> {
    return this.printed((line) => line.includes('"type":"StateEntered"') && line.includes(`"state":"${state}"`), state);
  }

  /** The living processes of the run other than the command itself. */
  processes(): number[] {
    return processesWithEnvironment(this.marker).filter((pid) => pid !== this.child.pid);
  }

  /** The values of the environment variable `name` that the run's living processes started with, without repeats. */
  environmentValues(name: string): string[] {
    const values = this.processes().flatMap((pid) =>
      environmentOf(pid).flatMap((entry) => (entry.startsWith(`${name}=`) ? [entry.slice(name.length + 1)] : [])),
    );
    return [...new Set(values)];
  }

  /** The living processes of the run whose command line holds `text` (e.g. a model server's `server.mjs`). */
  processesRunning(text: string): number[] {
    return this.processes().filter((pid) => commandLine(pid).includes(text));
  }

  /** Waits until `check` holds (polling /proc every 50 ms, at most `timeoutMs`); throws saying `what` otherwise. */
  async until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`the command ended before ${what}:\n${this.lines.join('\n')}`);
      }
      if (Date.now() > deadline) throw new Error(`not ${what} within ${timeoutMs} ms:\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` to the command's whole process group (see `node`), as a terminal does; resolves when it ended. */
  async interruptGroup(signal: NodeJS.Signals): Promise<Ended> {
    process.kill(-(this.child.pid as number), signal);
    return this.ended;
  }

  /** Sends `signal` and resolves with how the command ended. */
  async interrupt(signal: NodeJS.Signals = 'SIGINT'): Promise<Ended> {
    this.child.kill(signal);
    return this.ended;
  }

  /** Kills the command (if it still runs) and every process of its run: cleanup after a failed test. */
  cleanUp(): void {
    for (const pid of [this.child.pid, ...this.processes()]) {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

/** A process's command line, words joined by spaces ('' once it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Polls until none of the run's processes is alive (bounded); returns those still alive then. */
export async function whenNoneLeft(command: SpawnedCommand, timeoutMs = 20_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = command.processes();
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}
