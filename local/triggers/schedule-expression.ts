/**
 * EventBridge Scheduler's schedule expressions: `cron(minutes hours day-of-month month day-of-week year)`,
 * `rate(value unit)` and `at(yyyy-mm-ddThh:mm:ss)`, evaluated in the schedule's IANA time zone.
 *
 * Cron fields are checked here with AWS's rules and then evaluated by croner (a widely used, dependency-free cron
 * library that implements `L`, `W`, `#`, names, years and time zones) in its Quartz mode, where day-of-week 1-7
 * is SUN-SAT as in AWS. Daylight saving time follows Scheduler's documentation: a time the spring shift skips
 * does not fire, and a time the autumn shift repeats fires once. A `rate` in days is a fixed 24-hour period.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';

/** Raised for an expression, time zone or window EventBridge Scheduler would refuse. */
export class InvalidScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

/** When a schedule fires. */
export interface ScheduleExpression {
  readonly kind: 'cron' | 'rate' | 'at';
  /** The first fire time strictly after `after`, or undefined when there is none. */
  next(after: Date): Date | undefined;
}

const MINUTE = 60_000;
const RATE_UNITS: Record<string, number> = { minute: MINUTE, hour: 60 * MINUTE, day: 24 * 60 * MINUTE };

function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new InvalidScheduleError(`ScheduleExpressionTimezone ${timeZone} is not an IANA time zone`);
  }
}

const CRON_FIELD = /^[0-9A-Za-z*?,/#\-LW]+$/;

function cronPattern(body: string, expression: string): string {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new InvalidScheduleError(
      `${expression}: cron takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  for (const field of fields) {
    if (!CRON_FIELD.test(field))
      throw new InvalidScheduleError(`${expression}: field "${field}" has characters cron does not allow`);
  }
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new InvalidScheduleError(`${expression}: exactly one of day-of-month and day-of-week must be ?`);
  }
  for (const [name, field] of [
    ['minutes', minutes],
    ['hours', hours],
    ['month', month],
    ['year', year],
  ] as const) {
    if (/[?LW#]/.test(field.replace(/[A-Za-z]{3}/g, '')))
      throw new InvalidScheduleError(`${expression}: ${name} does not allow ? L W #`);
  }
  // AWS writes "the last Friday" as 6L; croner as 6#L. AWS's start/step (0/20) is croner's start-max/step.
  const weekday = dayOfWeek.replace(/^([1-7A-Za-z]{1,3})L$/, '$1#L');
  const stepFrom = (field: string, max: number) =>
    field
      .split(',')
      .map((part) => part.replace(/^(\d+)\/(\d+)$/, `$1-${max}/$2`))
      .join(',');
  return [
    '0',
    stepFrom(minutes, 59),
    stepFrom(hours, 23),
    stepFrom(dayOfMonth, 31),
    stepFrom(month, 12),
    stepFrom(weekday, 7),
    stepFrom(year, 2199),
  ].join(' ');
}

/** The wall-clock time of `date` in `timeZone`, written as if it were UTC. */
function wallClock(date: Date, timeZone: string): Date {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return new Date(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`);
}

/** Parses a schedule expression; throws InvalidScheduleError naming what is wrong. */
export function parseScheduleExpression(
  expression: string,
  options: { readonly timeZone?: string; readonly anchor?: Date } = {},
): ScheduleExpression {
  const timeZone = options.timeZone ?? 'UTC';
  checkTimeZone(timeZone);
  const match = /^(cron|rate|at)\((.*)\)$/s.exec(expression.trim());
  if (!match) throw new InvalidScheduleError(`${expression}: expected cron(...), rate(...) or at(...)`);
  const [, kind, body] = match as unknown as [string, 'cron' | 'rate' | 'at', string];

  if (kind === 'rate') {
    const rate = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(body);
    const value = Number(rate?.[1]);
    if (!rate || !(value > 0)) {
      throw new InvalidScheduleError(`${expression}: rate takes a positive whole number and minutes, hours or days`);
    }
    const unit = rate[2] as string;
    if ((value === 1) !== !unit.endsWith('s')) {
      throw new InvalidScheduleError(
        `${expression}: write rate(1 ${unit.replace(/s$/, '')}) or rate(${value} ${unit.replace(/s?$/, 's')})`,
      );
    }
    const period = value * (RATE_UNITS[unit.replace(/s$/, '')] as number);
    const anchor = (options.anchor ?? new Date()).getTime();
    return {
      kind,
      next(after) {
        const elapsed = after.getTime() - anchor;
        const count = elapsed < 0 ? 0 : Math.floor(elapsed / period) + 1;
        return new Date(anchor + count * period);
      },
    };
  }

  if (kind === 'at') {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(body) || Number.isNaN(Date.parse(`${body}Z`))) {
      throw new InvalidScheduleError(`${expression}: at takes a date and time yyyy-mm-ddThh:mm:ss`);
    }
    const once = new Cron(body, { timezone: timeZone, paused: true });
    const when = once.nextRun(new Date(0)) ?? undefined;
    return { kind, next: (after) => (when && when > after ? when : undefined) };
  }

  const pattern = cronPattern(body, expression);
  const cronOptions = { mode: '7-part', alternativeWeekdays: true, paused: true } as const;
  let zoned: Cron;
  let wall: Cron;
  try {
    zoned = new Cron(pattern, { ...cronOptions, timezone: timeZone });
    wall = new Cron(pattern, { ...cronOptions, timezone: 'UTC' });
  } catch (error) {
    throw new InvalidScheduleError(`${expression}: ${(error as Error).message}`);
  }
  return {
    kind,
    next(after) {
      let from = after;
      for (let guard = 0; guard < 1000; guard += 1) {
        const candidate = zoned.nextRun(from);
        if (candidate === null) return undefined;
        // A wall-clock time that does not exist (the spring shift) is skipped, as Scheduler skips it.
        const local = wallClock(candidate, timeZone);
        if (wall.nextRun(new Date(local.getTime() - 1000))?.getTime() === local.getTime()) return candidate;
        from = candidate;
      }
      return undefined;
    },
  };
}

/**
 * When a delivery due at `scheduledTime` is made under a flexible window of `windowMinutes`: a point in
 * [scheduledTime, scheduledTime + window) derived from a hash of the schedule's name and the scheduled time, so
 * the same schedule and time always give the same moment (Scheduler picks a random one).
 */
export function flexibleInvocationTime(scheduleName: string, scheduledTime: Date, windowMinutes: number): Date {
  if (windowMinutes <= 0) return scheduledTime;
  const digest = createHash('sha256').update(`${scheduleName}\0${scheduledTime.toISOString()}`).digest();
  const offset = digest.readUInt32BE(0) % (windowMinutes * MINUTE);
  return new Date(scheduledTime.getTime() + offset);
}
