import { describe, expect, it } from 'vitest';
import { DrivenClock, RealClock } from '../../../local/triggers/clock.ts';

describe('the driven clock', () => {
  it('fires due timers in time order, at their time, awaiting each one, and those they set when due', async () => {
    const clock = new DrivenClock('2026-12-01T00:00:00Z');
    const fired: string[] = [];
    clock.setTimer(new Date('2026-12-01T02:00:00Z'), () => {
      fired.push(`b@${clock.now().toISOString()}`);
    });
    clock.setTimer(new Date('2026-12-01T01:00:00Z'), async () => {
      await new Promise((resolve) => setImmediate(resolve));
      fired.push(`a@${clock.now().toISOString()}`);
      clock.setTimer(new Date('2026-12-01T01:30:00Z'), () => {
        fired.push(`a2@${clock.now().toISOString()}`);
      });
    });
    const cancel = clock.setTimer(new Date('2026-12-01T01:45:00Z'), () => {
      fired.push('cancelled');
    });
    cancel();
    clock.setTimer(new Date('2026-12-01T05:00:00Z'), () => {
      fired.push('later');
    });

    await clock.advanceBy(3 * 3600_000);
    expect(fired).toEqual(['a@2026-12-01T01:00:00.000Z', 'a2@2026-12-01T01:30:00.000Z', 'b@2026-12-01T02:00:00.000Z']);
    expect(clock.now().toISOString()).toBe('2026-12-01T03:00:00.000Z');
  });

  it('refuses to move backwards, and a failed move does not stop later ones', async () => {
    const clock = new DrivenClock('2026-12-01T00:00:00Z');
    await expect(clock.advanceTo('2026-11-30T00:00:00Z')).rejects.toThrow(/cannot move/);
    clock.setTimer(new Date('2026-12-01T00:10:00Z'), () => {
      throw new Error('boom');
    });
    await expect(clock.advanceBy(3600_000)).rejects.toThrow('boom');
    await clock.advanceBy(1000);
    expect(clock.now().toISOString()).toBe('2026-12-01T00:10:01.000Z');
  });
});

describe('the real clock', () => {
  it('fires a timer whose time has come', async () => {
    const clock = new RealClock();
    const fired = await new Promise<boolean>((resolve) => {
      clock.setTimer(new Date(Date.now() + 5), () => resolve(true));
    });
    expect(fired).toBe(true);
  });
});
