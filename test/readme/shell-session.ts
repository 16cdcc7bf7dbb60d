/**
 * One bash process that runs a README block's commands one after the other, as a user's shell would: variables
 * and `export`s carry over, each command's output goes to files of its own, and a server (`smwf local start`,
 * which serves until Ctrl-C) runs in the background and is stopped the way Ctrl-C stops it, with SIGINT to its
 * process group.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one command did. */
export interface CommandOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command running in the background. */
interface Server {
  readonly pid: number;
  readonly command: string;
  readonly out: string;
  readonly err: string;
}

const DONE = /^__doc_test_done__ (\d+) (\d+)$/;
const STARTED = /^__doc_test_started__ (\d+) (\d+)$/;

/** Every descendant of a process, deepest first. */
function descendants(pid: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const row of table.trim().split('\n')) {
    const [child, parent] = row.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const out: number[] = [];
  const visit = (p: number) => {
    for (const c of children.get(p) ?? []) {
      visit(c);
      out.push(c);
    }
  };
  visit(pid);
  return out;
}

export class ShellSession {
  private readonly bash: ChildProcessWithoutNullStreams;
  private readonly servers: Server[] = [];
  private buffer = '';
  private waiting: { id: number; resolve: (line: RegExpExecArray) => void; pattern: RegExp } | undefined;
  private count = 0;
  private exited = false;

  /** Starts bash in `cwd` with `env`; command outputs go under `outputDir`. */
  constructor(
    cwd: string,
    env: NodeJS.ProcessEnv,
    private readonly outputDir: string,
  ) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: 'pipe' });
    this.bash.stdout.setEncoding('utf8');
    this.bash.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline = this.buffer.indexOf('\n');
      while (newline !== -1) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        const match = this.waiting?.pattern.exec(line);
        if (match && Number(match[1]) === this.waiting?.id) {
          const { resolve } = this.waiting;
          this.waiting = undefined;
          resolve(match);
        }
        newline = this.buffer.indexOf('\n');
      }
    });
    this.bash.on('exit', () => {
      this.exited = true;
    });
    // Job control: each command runs in a process group of its own, as in a terminal, so a server in the
    // background gets Ctrl-C's SIGINT (a shell without job control makes background commands ignore it).
    this.bash.stdin.write('set -m\n');
  }

  private paths(id: number) {
    return { out: join(this.outputDir, `${id}.out`), err: join(this.outputDir, `${id}.err`) };
  }

  private send(script: string, id: number, pattern: RegExp, timeoutMs: number, what: string) {
    return new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        for (const pid of descendants(this.bash.pid as number)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiting = {
        id,
        pattern,
        resolve: (match) => {
          clearTimeout(timer);
          resolve(match);
        },
      };
      this.bash.stdin.write(script);
    });
  }

  /** Runs one command in the foreground, its standard input empty, and returns its exit code and output. */
  async run(command: string, timeoutMs: number): Promise<CommandOutcome> {
    if (this.exited) throw new Error('the shell has exited');
    const id = ++this.count;
    const { out, err } = this.paths(id);
    const script = `{\n${command}\n} >'${out}' 2>'${err}' </dev/null; echo "__doc_test_done__ ${id} $?"\n`;
    const match = await this.send(script, id, DONE, timeoutMs, command);
    return { code: Number(match[2]), stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  }

  /**
   * Starts a command in the background and waits until its output (standard output and error) contains
   * `readyText`; fails when it exits first.
   */
  async startServer(command: string, readyText: string, timeoutMs: number): Promise<void> {
    const id = ++this.count;
    const { out, err } = this.paths(id);
    const script = `{\n${command}\n} >'${out}' 2>'${err}' </dev/null &\necho "__doc_test_started__ ${id} $!"\n`;
    const match = await this.send(script, id, STARTED, 10_000, command);
    const server = { pid: Number(match[2]), command, out, err };
    this.servers.push(server);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const output = `${existsSync(out) ? readFileSync(out, 'utf8') : ''}${existsSync(err) ? readFileSync(err, 'utf8') : ''}`;
      if (output.includes(readyText)) return;
      if (!this.isRunning(server.pid)) {
        throw new Error(`${command} exited before printing ${readyText}:\n${output}`);
      }
      if (Date.now() > deadline) throw new Error(`${command} did not print ${readyText} within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private isRunning(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return descendants(this.bash.pid as number).includes(pid);
    } catch {
      return false;
    }
  }

  /** Stops every server as Ctrl-C does (SIGINT to its process group) and returns how each ended. */
  async stopServers(timeoutMs: number): Promise<(CommandOutcome & { command: string })[]> {
    const outcomes: (CommandOutcome & { command: string })[] = [];
    for (const server of this.servers.splice(0)) {
      try {
        process.kill(-server.pid, 'SIGINT');
      } catch {
        // it has exited already; `wait` reports how
      }
      const id = ++this.count;
      const match = await this.send(
        `wait ${server.pid}; echo "__doc_test_done__ ${id} $?"\n`,
        id,
        DONE,
        timeoutMs,
        `stopping ${server.command}`,
      );
      outcomes.push({
        command: server.command,
        code: Number(match[2]),
        stdout: readFileSync(server.out, 'utf8'),
        stderr: readFileSync(server.err, 'utf8'),
      });
    }
    return outcomes;
  }

  /** The shell's process, which runs every command. */
  get pid(): number {
    return this.bash.pid as number;
  }

  /** The servers running in the background and every process they started. */
  serverProcesses(): number[] {
    return this.servers.flatMap((server) => [server.pid, ...descendants(server.pid)]);
  }

  /** Ends the shell, and whatever it still runs. */
  close(): void {
    for (const pid of descendants(this.bash.pid as number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.bash.stdin.end();
    this.bash.kill('SIGKILL');
  }
}
