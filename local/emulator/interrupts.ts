/**
 * What a command that runs emulators does when it is interrupted (Ctrl-C, SIGTERM, SIGHUP). Its model processes run
 * in process groups of their own (so that a stop can signal each as a whole), so the terminal's SIGINT never reaches
 * them, and a process that dies of the signal's default action never runs its emulators' stops. So the command takes
 * the signal: every emulator it runs stops its containers as DeleteEndpoint does (SIGTERM, SIGKILL after the grace
 * period), the command prints one line, e.g. `smwf run: interrupted (SIGINT): stopped 3 model processes`, and exits
 * 128 + the signal's number (130 for SIGINT), as shells expect. A second Ctrl-C during the stop kills what is left
 * at once.
 */
import { constants } from 'node:os';
import { containersStarted, killAllContainers, liveContainerCount } from './hosting/live-containers.ts';

/** Something a process stops when it is interrupted: an emulator it runs, or a child process that runs one. */
export interface Stoppable {
  /**
   * Stops gracefully. Resolves with the number of model processes it stopped when they are not this process's own
   * (a child process's); anything else counts none (this process's own containers are counted where they run).
   */
  stop(): Promise<unknown>;
  /** Ends at once (a second Ctrl-C during the stop). */
  kill?(): void;
}

/** How an interrupted command ended. */
export interface InterruptOutcome {
  signal: NodeJS.Signals;
  /** Model processes that were running when the signal came or started during the stop, all stopped now. */
  stopped: number;
  /** True when a second SIGINT made the stop kill what was left at once. */
  killed: boolean;
  /** 128 + the signal's number. */
  exitCode: number;
}

/** What the command says and does once stopped. */
export interface InterruptOptions {
  /** The command, as the line starts: `smwf run`. */
  label: string;
  /** Runs once everything has stopped, before the line (e.g. removing a temporary state directory). */
  afterStop?: () => Promise<void> | void;
  /** Says how it ended instead of the line (a helper process reporting to its parent on `stdout`). */
  report?: (outcome: InterruptOutcome, stdout: (text: string) => void) => void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A SIGINT this soon after the first interrupt is the same Ctrl-C arriving twice, not a second one: `npm start` and
 * `npm run` pass the terminal's SIGINT on to the script, which gets it from the terminal too (same process group).
 * A person pressing Ctrl-C again to hurry a stop does so later than this.
 */
export const SAME_CTRL_C_WITHIN_MS = 500;
const running = new Set<Stoppable>();

/** Stops `stoppable` when the process is interrupted, until the returned function is called. */
export function stopWhenInterrupted(stoppable: Stoppable): () => void {
  running.add(stoppable);
  return () => {
    running.delete(stoppable);
  };
}

/** The one line an interrupted command prints. */
export function interruptLine(label: string, outcome: InterruptOutcome): string {
  const processes = `${outcome.stopped} model process${outcome.stopped === 1 ? '' : 'es'}`;
  const killed = outcome.killed ? ', killed at once by a second SIGINT' : '';
  return `${label}: interrupted (${outcome.signal}): stopped ${processes}${killed}`;
}

/**
 * Takes SIGINT, SIGTERM and SIGHUP for the rest of the process's life (call it before starting an emulator): on the
 * first, stops every emulator and child registered with stopWhenInterrupted, prints one line and exits 128 + the
 * signal's number. A second SIGINT during the stop kills every model process at once. Returns the uninstall.
 */
export function exitOnInterrupt(options: InterruptOptions): () => void {
  let interrupted: NodeJS.Signals | undefined;
  let interruptedAt = 0;
  let killed = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== undefined) {
      // Only a second Ctrl-C escalates: a parent passing SIGTERM on must not turn a graceful stop into a kill.
      if (signal === 'SIGINT' && !killed && Date.now() - interruptedAt >= SAME_CTRL_C_WITHIN_MS) {
        killed = true;
        killAllContainers();
        for (const stoppable of running) stoppable.kill?.();
      }
      return;
    }
    interrupted = signal;
    interruptedAt = Date.now();
    void stopAndExit(signal);
  };
  const stopAndExit = async (signal: NodeJS.Signals) => {
    const output = silenceOutput();
    // The abandoned work (a workflow mid-state, requests to a closing emulator) fails now; that is expected.
    process.on('uncaughtException', () => undefined);
    process.on('unhandledRejection', () => undefined);
    const liveAtSignal = liveContainerCount();
    const startedAtSignal = containersStarted();
    const results = await Promise.allSettled([...running].map((stoppable) => stoppable.stop()));
    const elsewhere = results.reduce(
      (sum, r) => sum + (r.status === 'fulfilled' && typeof r.value === 'number' ? r.value : 0),
      0,
    );
    try {
      await options.afterStop?.();
    } catch {
      // cleanup is best effort once interrupted
    }
    const outcome: InterruptOutcome = {
      signal,
      stopped: liveAtSignal + (containersStarted() - startedAtSignal) + elsewhere,
      killed,
      exitCode: 128 + (constants.signals[signal] ?? 0),
    };
    if (options.report) options.report(outcome, output.stdout);
    else output.stderr(`${interruptLine(options.label, outcome)}\n`);
    process.exit(outcome.exitCode);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}

/**
 * From the interrupt on, the command's own output stops (progress of a workflow whose emulator is going away, its
 * failures), so the interrupt's line is the last one printed. Returns writers that still work.
 */
function silenceOutput(): { stdout: (text: string) => void; stderr: (text: string) => void } {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const drop = ((_chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = drop;
  process.stderr.write = drop;
  return {
    stdout: (text) => {
      out(text);
    },
    stderr: (text) => {
      err(text);
    },
  };
}
