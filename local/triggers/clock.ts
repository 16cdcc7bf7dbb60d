/**
 * The trigger engine's clock. The real clock fires timers with setTimeout; the driven clock stands still until a
 * test moves it, then fires every timer that came due, in time order, awaiting each one's work before the next,
 * so a test never sleeps.
 */

/** Work a timer does when it fires; the driven clock awaits it. */
type TimerCallback = () => Promise<void> | void;

/** A clock the engine schedules on. */
export interface Clock {
  now(): Date;
  /** Calls `callback` at `at` (at once when `at` has passed); returns the cancel. */
  setTimer(at: Date, callback: TimerCallback): () => void;
}

/** Longest delay setTimeout takes (about 24.8 days); longer timers re-arm. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The machine's clock. */
export class RealClock implements Clock {
  now(): Date {
    return new Date();
  }

  setTimer(at: Date, callback: TimerCallback): () => void {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const delay = at.getTime() - Date.now();
      handle = setTimeout(
        () => {
          if (at.getTime() > Date.now()) arm();
          else void callback();
        },
        Math.min(Math.max(0, delay), MAX_TIMEOUT_MS),
      );
    };
    arm();
    return () => clearTimeout(handle);
  }
}

interface PendingTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: TimerCallback;
}

/** A clock that moves only when told to. */
export class DrivenClock implements Clock {
  private current: number;
  private readonly timers = new Set<PendingTimer>();
  private created = 0;
  private moving: Promise<void> = Promise.resolve();

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
    if (Number.isNaN(this.current)) throw new RangeError(`DrivenClock: ${String(start)} is not a time`);
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(at: Date, callback: TimerCallback): () => void {
    const timer: PendingTimer = { at: at.getTime(), order: this.created++, callback };
    this.timers.add(timer);
    return () => {
      this.timers.delete(timer);
    };
  }

  /**
   * Moves the clock to `time`, firing every timer due by then in time order (timers that fire set new ones, which
   * fire too when due) and awaiting each one's work. Moving backwards is refused.
   */
  advanceTo(time: Date | string): Promise<void> {
    return this.enqueue(() => new Date(time).getTime());
  }

  /** Moves the clock forward by `ms` milliseconds, from where the moves already asked for leave it. */
  advanceBy(ms: number): Promise<void> {
    return this.enqueue(() => this.current + ms);
  }

  private enqueue(target: () => number): Promise<void> {
    const move = this.moving.then(() => this.moveTo(target()));
    // A failed move (a timer's work threw) fails its caller, not the moves after it.
    this.moving = move.catch(() => undefined);
    return move;
  }

  private async moveTo(target: number): Promise<void> {
    if (!(target >= this.current)) {
      throw new RangeError(
        `DrivenClock: cannot move from ${this.now().toISOString()} back to ${new Date(target).toISOString()}`,
      );
    }
    for (;;) {
      const due = [...this.timers]
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (due === undefined) break;
      this.timers.delete(due);
      this.current = Math.max(this.current, due.at);
      await due.callback();
    }
    this.current = target;
  }
}
