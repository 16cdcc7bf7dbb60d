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

/**
 * The process's containers, kept on the process (globalThis), not in this module: the module may be loaded more than
 * once in one process (the tests load the project's modules afresh for some test files, in a shared process), and
 * the count and the exit hook are the process's.
 */
interface ProcessContainers {
  readonly live: Set<LiveContainer>;
  started: number;
}
const PROCESS_CONTAINERS_KEY = Symbol.for('sagemaker-workflows.live-containers');

function processContainers(): ProcessContainers {
  const processWide = globalThis as Record<symbol, ProcessContainers | undefined>;
  const existing = processWide[PROCESS_CONTAINERS_KEY];
  if (existing !== undefined) return existing;
  const made: ProcessContainers = { live: new Set(), started: 0 };
  processWide[PROCESS_CONTAINERS_KEY] = made;
  // An 'exit' listener runs synchronously and last: nothing can be awaited, so the containers get SIGKILL at once.
  process.on('exit', () => {
    for (const container of made.live) {
      container.kill();
      rmSync(container.scratchDir, { recursive: true, force: true });
    }
  });
  return made;
}

/** Counts `container` as running until the returned function is called (once none of its processes runs). */
export function trackContainer(container: LiveContainer): () => void {
  const containers = processContainers();
  containers.live.add(container);
  containers.started += 1;
  return () => {
    containers.live.delete(container);
  };
}

/** How many containers this process runs now. */
export function liveContainerCount(): number {
  return processContainers().live.size;
}

/** How many containers this process has started so far (a count that only grows). */
export function containersStarted(): number {
  return processContainers().started;
}

/** SIGKILL to every process of every container this process runs (their stops then end at once). */
export function killAllContainers(): void {
  for (const container of processContainers().live) container.kill();
}
