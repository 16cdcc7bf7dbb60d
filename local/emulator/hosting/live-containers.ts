/**
 * Every container this Node process runs, across all its emulators: what an interrupted command counts and, on a
 * second Ctrl-C, kills at once (see ../interrupts.ts), and what is killed when the process exits without stopping
 * them (an uncaught error, `process.exit`).
 */
import { rmSync } from 'node:fs';

/** One running container, as the process sees it. */
interface LiveContainer {
  /** SIGKILL to every process of the container, at once. */
  kill(): void;
  /** Its private folder (TMPDIR and, isolated, the relay socket), removed when the process exits without a stop. */
  readonly scratchDir: string;
}

const live = new Set<LiveContainer>();
let started = 0;
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // An 'exit' listener runs synchronously and last: nothing can be awaited, so the containers get SIGKILL at once.
  process.on('exit', () => {
    for (const container of live) {
      container.kill();
      rmSync(container.scratchDir, { recursive: true, force: true });
    }
  });
}

/** Counts `container` as running until the returned function is called (once none of its processes runs). */
export function trackContainer(container: LiveContainer): () => void {
  installExitHook();
  live.add(container);
  started += 1;
  return () => {
    live.delete(container);
  };
}

/** How many containers this process runs now. */
export function liveContainerCount(): number {
  return live.size;
}

/** How many containers this process has started so far (a count that only grows). */
export function containersStarted(): number {
  return started;
}

/** SIGKILL to every process of every container this process runs (their stops then end at once). */
export function killAllContainers(): void {
  for (const container of live) container.kill();
}
