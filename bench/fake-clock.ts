/**
 * A fake wall clock for a plain script (vitest's fake timers exist only inside tests): replaces the global
 * `Date` with one whose `Date.now()` and `new Date()` read a clock that stands still until `advance` moves it,
 * as `vi.useFakeTimers({ toFake: ['Date'] })` does. Timers (`setTimeout`) keep real time.
 */

/** A clock installed as the global `Date`. */
interface FakeClock {
  /** Moves the clock forward. */
  advance(ms: number): void;
  /** Puts the real `Date` back. */
  restore(): void;
}

/** Installs a fake clock that starts at `start` and moves only when told. */
export function installFakeClock(start: Date): FakeClock {
  const RealDate = globalThis.Date;
  let now = start.getTime();
  class FakeDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now);
      else super(...(args as [number]));
    }
    static override now(): number {
      return now;
    }
  }
  globalThis.Date = FakeDate as DateConstructor;
  return {
    advance(ms) {
      now += ms;
    },
    restore() {
      globalThis.Date = RealDate;
    },
  };
}
