import { describe, expect, it } from 'vitest';
import {
  flexibleInvocationTime,
  InvalidScheduleError,
  parseScheduleExpression,
} from '../../../local/triggers/schedule-expression.ts';

const times = (expression: string, from: string, count: number, timeZone?: string, anchor?: string) => {
  const parsed = parseScheduleExpression(expression, {
    ...(timeZone ? { timeZone } : {}),
    ...(anchor ? { anchor: new Date(anchor) } : {}),
  });
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < count; i += 1) {
    const next = parsed.next(at);
    if (!next) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
};

describe('cron expressions', () => {
  it('fires at the minute and hour given, every day, in UTC by default', () => {
    expect(times('cron(15 3 * * ? *)', '2026-12-01T00:00:00Z', 2)).toEqual([
      '2026-12-01T03:15:00.000Z',
      '2026-12-02T03:15:00.000Z',
    ]);
  });

  it('takes day-of-week 1-7 as SUN-SAT, names, ranges, lists and increments', () => {
    // 2026-12-01 is a Tuesday. 2 = MON.
    expect(times('cron(0 9 ? * 2 *)', '2026-12-01T00:00:00Z', 1)).toEqual(['2026-12-07T09:00:00.000Z']);
    expect(times('cron(0 9 ? * MON-FRI *)', '2026-12-04T10:00:00Z', 1)).toEqual(['2026-12-07T09:00:00.000Z']);
    expect(times('cron(0/20 8 1,15 * ? *)', '2026-12-01T00:00:00Z', 4)).toEqual([
      '2026-12-01T08:00:00.000Z',
      '2026-12-01T08:20:00.000Z',
      '2026-12-01T08:40:00.000Z',
      '2026-12-15T08:00:00.000Z',
    ]);
    expect(times('cron(0 0 1 JAN,JUL ? *)', '2026-12-01T00:00:00Z', 2)).toEqual([
      '2027-01-01T00:00:00.000Z',
      '2027-07-01T00:00:00.000Z',
    ]);
  });

  it('L, W and # in the day fields, and the year field', () => {
    expect(times('cron(0 12 L * ? *)', '2027-02-01T00:00:00Z', 1)).toEqual(['2027-02-28T12:00:00.000Z']);
    // The last Friday (6L) of December 2026 is the 25th; the second Monday (2#2) of January 2027 is the 11th.
    expect(times('cron(0 12 ? * 6L *)', '2026-12-01T00:00:00Z', 1)).toEqual(['2026-12-25T12:00:00.000Z']);
    expect(times('cron(0 12 ? * 2#2 *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-01-11T12:00:00.000Z']);
    // 2027-05-01 is a Saturday: the nearest weekday is Friday the 30th of April... within the month: Monday 3rd.
    expect(times('cron(0 12 1W * ? *)', '2027-05-01T00:00:00Z', 1)).toEqual(['2027-05-03T12:00:00.000Z']);
    expect(times('cron(0 0 1 1 ? 2028)', '2026-12-01T00:00:00Z', 2)).toEqual(['2028-01-01T00:00:00.000Z']);
  });

  it('evaluates in the time zone, skipping a time the spring shift removes and firing once in the autumn', () => {
    expect(times('cron(0 9 * * ? *)', '2026-12-01T00:00:00Z', 1, 'Europe/Paris')).toEqual(['2026-12-01T08:00:00.000Z']);
    expect(times('cron(0 9 * * ? *)', '2026-07-01T00:00:00Z', 1, 'Europe/Paris')).toEqual(['2026-07-01T07:00:00.000Z']);
    // 2026-03-29 02:30 does not exist in Berlin: that day is skipped.
    expect(times('cron(30 2 * * ? *)', '2026-03-28T12:00:00Z', 2, 'Europe/Berlin')).toEqual([
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    // 2026-10-25 02:30 happens twice in Berlin: it fires once.
    expect(times('cron(30 2 * * ? *)', '2026-10-24T12:00:00Z', 2, 'Europe/Berlin')).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('refuses what Scheduler refuses', () => {
    const bad = (expression: string, timeZone?: string) => () =>
      parseScheduleExpression(expression, timeZone ? { timeZone } : {});
    expect(bad('cron(0 9 * * *)')).toThrow(/cron takes 6 fields/);
    expect(bad('cron(0 9 * * * *)')).toThrow(/exactly one of day-of-month and day-of-week must be \?/);
    expect(bad('cron(0 9 ? * ? *)')).toThrow(/exactly one of/);
    expect(bad('cron(0 25 * * ? *)')).toThrow(InvalidScheduleError);
    expect(bad('cron(0 9 * * ? *)', 'Mars/Olympus')).toThrow(/not an IANA time zone/);
    expect(bad('every day')).toThrow(/expected cron\(...\), rate\(...\) or at\(...\)/);
  });
});

describe('rate expressions', () => {
  it('fire every period from the anchor (StartDate, or when the schedule was loaded)', () => {
    expect(times('rate(15 minutes)', '2026-12-01T10:00:00Z', 2, undefined, '2026-12-01T09:50:00Z')).toEqual([
      '2026-12-01T10:05:00.000Z',
      '2026-12-01T10:20:00.000Z',
    ]);
    expect(times('rate(1 hour)', '2026-12-01T09:00:00Z', 1, undefined, '2026-12-01T09:30:00Z')).toEqual([
      '2026-12-01T09:30:00.000Z',
    ]);
  });

  it('count days as 24 hours, across a daylight saving shift', () => {
    expect(times('rate(1 day)', '2026-03-28T12:00:00Z', 2, 'Europe/Berlin', '2026-03-28T12:00:00Z')).toEqual([
      '2026-03-29T12:00:00.000Z',
      '2026-03-30T12:00:00.000Z',
    ]);
  });

  it('refuse a unit that disagrees with the value, a zero, or an unknown unit', () => {
    expect(() => parseScheduleExpression('rate(1 hours)')).toThrow(/rate\(1 hour\)/);
    expect(() => parseScheduleExpression('rate(5 minute)')).toThrow(/rate\(5 minutes\)/);
    expect(() => parseScheduleExpression('rate(0 minutes)')).toThrow(/positive whole number/);
    expect(() => parseScheduleExpression('rate(2 weeks)')).toThrow(/positive whole number/);
  });
});

describe('at expressions', () => {
  it('fire once, at the local time of the time zone', () => {
    expect(times('at(2026-12-24T18:00:00)', '2026-12-01T00:00:00Z', 3, 'America/New_York')).toEqual([
      '2026-12-24T23:00:00.000Z',
    ]);
    expect(times('at(2026-11-01T00:00:00)', '2026-12-01T00:00:00Z', 1)).toEqual([]);
    expect(() => parseScheduleExpression('at(2026-12-24 18:00)')).toThrow(/yyyy-mm-ddThh:mm:ss/);
  });
});

describe('flexible time windows', () => {
  it('pick a moment inside the window, the same one for the same schedule and time', () => {
    const scheduled = new Date('2026-12-01T03:00:00Z');
    const first = flexibleInvocationTime('nightly', scheduled, 15);
    expect(first.getTime()).toBeGreaterThanOrEqual(scheduled.getTime());
    expect(first.getTime()).toBeLessThan(scheduled.getTime() + 15 * 60_000);
    expect(flexibleInvocationTime('nightly', scheduled, 15)).toEqual(first);
    expect(flexibleInvocationTime('nightly', scheduled, 0)).toEqual(scheduled);
  });
});
