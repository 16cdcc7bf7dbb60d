import type { Clock } from '../clock.ts';

/** One wait on the clock: when it ends, and how to end it. */
interface Sleeper {
  due: number;
  wake: () => void;
}

/** Lets every continuation already queued (promise callbacks) run before the next step. */
const settleQueued = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock that moves only when told: it reads `start` (or, without one, `Date.now()`, so a test's faked Date moves it
 * too) plus what `advance` added. Its sleepers wake only in `runDue`, one after another at their own time, so a double
 * built on it changes state at well-defined moments (before and after each call), never in between, and a wait that
 * begins when another ends is counted from then.
 */
export class ManualClock implements Clock {
  private offset = 0;
  private readonly sleepers: Sleeper[] = [];
  /** While `runDue` wakes a sleeper: the time it was due, which the clock reads until the wake-up has run. */
  private waking: number | undefined;
  /** Set by halt(): no sleeper wakes again. */
  private halted = false;

  constructor(private readonly start?: number) {}

  now(): number {
    return this.waking ?? this.reading();
  }

  private reading(): number {
    return (this.start ?? Date.now()) + this.offset;
  }

  /**
   * A clock of its own that reads what this one reads from now on (the same start, what `advance` added so far), with
   * no sleepers: the clock of a process restarted after this one's died.
   */
  continued(): ManualClock {
    const clock = new ManualClock(this.start);
    clock.offset = this.offset;
    return clock;
  }

  /** Stops the clock for its sleepers: none wakes again (what waited on it belonged to a process that died). */
  halt(): void {
    this.halted = true;
    this.sleepers.length = 0;
  }

  /** Moves the clock forward by `ms`; sleepers that are due wake on the next `runDue`. */
  advance(ms: number): void {
    this.offset += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.halted) return new Promise<void>(() => undefined);
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = { due: this.now() + ms, wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.remove(sleeper);
        resolve();
      });
    });
  }

  /**
   * Wakes every sleeper whose time has come, earliest first, letting what each one started run (and perhaps sleep
   * again) before the next wakes; resolves with how many it woke when no sleeper is due.
   */
  async runDue(): Promise<number> {
    let woken = 0;
    try {
      for (;;) {
        await settleQueued();
        if (this.halted) return woken;
        const now = this.reading();
        const due = this.sleepers.filter((s) => s.due <= now).sort((a, b) => a.due - b.due)[0];
        if (due === undefined) return woken;
        this.remove(due);
        this.waking = Math.max(due.due, this.waking ?? due.due);
        due.wake();
        woken += 1;
      }
    } finally {
      this.waking = undefined;
    }
  }

  private remove(sleeper: Sleeper): void {
    const index = this.sleepers.indexOf(sleeper);
    if (index >= 0) this.sleepers.splice(index, 1);
  }
}
