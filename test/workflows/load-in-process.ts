/**
 * The load generator run in process, for the workflow tests: every GenerateLoad worker's signed requests are answered
 * by a ScriptedSageMaker's runtime core (its answerRuntimeRequest, as the emulator's HTTP server answers them, the
 * scripted models' answers and the runtime's metrics included), each taking `latencyMs` of a clock the worker
 * simulates, so that a step of 5 s costs milliseconds. The worker's own code (its users, slices, windows, budget,
 * signing, IAM check and result) runs unchanged; only the transport is replaced (tasks/generate-load/load-transport.ts).
 *
 * Each worker has a clock of its own, starting at Date.now() when the worker is made (or its slice's start, when Date
 * is past it already): it moves to the next wait's end when every user waits on it and nothing else of the worker is
 * under way (a request being answered or signed), so a worker's figures are the same on a loaded machine as on an
 * idle one, and whatever else runs at the same time (a Map's other candidates) does not cut its slices short. Date is moved along with it (`moveTime`), never back, so the
 * steps that follow see the slice's time as passed and the runtime records its metrics across the slice.
 */
import type { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { answerOf, CLOSED } from '../../tasks/generate-load/http-sender.ts';
import { type LoadTransport, replaceLoadTransport } from '../../tasks/generate-load/load-transport.ts';

/** One wait on a simulated clock. */
interface Sleeper {
  due: number;
  /** Ties wake in the order they began. */
  order: number;
  wake: () => void;
}

/**
 * A clock that moves by itself, from one wait's end to the next, whenever nothing but its waits is under way (each
 * step on its own macrotask, after every continuation already queued has run).
 */
export class SimulatedClock {
  private readonly sleepers: Sleeper[] = [];
  private busy = 0;
  private order = 0;
  private ticking = false;
  private stopped = false;

  constructor(
    private time: number,
    /** Told each new time the clock moves to. */
    private readonly moved: (ms: number) => void = () => undefined,
  ) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((wake) => {
      if (this.stopped) return;
      this.sleepers.push({ due: this.time + Math.max(0, ms), order: this.order++, wake });
      this.tick();
    });
  }

  /** Resolves as `work` does; the clock stands still until it has. */
  meanwhile<T>(work: Promise<T>): Promise<T> {
    this.busy += 1;
    return work.finally(() => {
      this.busy -= 1;
      this.tick();
    });
  }

  /** Stops the clock: the waits still under way never end. */
  stop(): void {
    this.stopped = true;
    this.sleepers.length = 0;
  }

  private tick(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    setImmediate(() => {
      this.ticking = false;
      this.step();
    });
  }

  /** Wakes the earliest wait, moving the clock to its end, unless other work is under way. */
  private step(): void {
    if (this.stopped || this.busy > 0 || this.sleepers.length === 0) return;
    let next = 0;
    for (let i = 1; i < this.sleepers.length; i++) {
      const a = this.sleepers[i] as Sleeper;
      const b = this.sleepers[next] as Sleeper;
      if (a.due < b.due || (a.due === b.due && a.order < b.order)) next = i;
    }
    const [sleeper] = this.sleepers.splice(next, 1) as [Sleeper];
    if (sleeper.due > this.time) {
      this.time = sleeper.due;
      this.moved(this.time);
    }
    sleeper.wake();
    this.tick();
  }
}

/** How the in-process load generator runs. */
export interface InProcessLoadOptions {
  /** How long each request takes on the worker's clock (the model's time and the network's). */
  readonly latencyMs: number;
  /** Moves the process's Date forward to `ms` (a test's faked Date), or leaves it when it is later already. */
  readonly moveTime: (ms: number) => void;
}

/**
 * Has `double` (or the double it returns when asked: one a fault c restarted) answer every GenerateLoad worker made from now on, each on a simulated clock of its own, until the
 * returned function puts the HTTP transport back.
 */
export function answerLoadInProcess(
  double: ScriptedSageMaker | (() => ScriptedSageMaker),
  options: InProcessLoadOptions,
): () => void {
  const current = typeof double === 'function' ? double : () => double;
  return replaceLoadTransport(({ startAt }): LoadTransport => {
    // On AWS a slice's workers start within its start lead. Here another worker's simulated seconds (a Map's other
    // candidate's) may have moved the process's Date past the slice's start meanwhile: the worker's own clock starts
    // no later than its slice, so it is never late for a reason that is the simulation's.
    const clock = new SimulatedClock(Math.min(Date.now(), startAt), options.moveTime);
    let closed = false;
    return {
      now: () => clock.now(),
      sleep: (ms) => clock.sleep(ms),
      meanwhile: (work) => clock.meanwhile(work),
      async send(request) {
        if (closed) return CLOSED;
        const answer = await clock.meanwhile(
          current().answerRuntimeRequest({
            method: 'POST',
            path: request.path,
            headers: request.headers,
            body: request.body,
          }),
        );
        await clock.sleep(options.latencyMs);
        const errorType = Object.entries(answer.headers).find(([name]) => name.toLowerCase() === 'x-amzn-errortype');
        return answerOf(answer.status, errorType?.[1], answer.body.toString('utf8'));
      },
      close() {
        closed = true;
        clock.stop();
      },
    };
  });
}
