/**
 * The date placeholders a BatchTransform S3 prefix may hold, filled from the run's scheduled time (UTC): one
 * list for the contract (which refuses any other) and for the step that fills them. Plain values, no zod.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** Each placeholder, with what it becomes (always the same number of digits). */
const FILLS = {
  '{yyyy}': (t: Date) => String(t.getUTCFullYear()),
  '{MM}': (t: Date) => pad(t.getUTCMonth() + 1),
  '{dd}': (t: Date) => pad(t.getUTCDate()),
  '{HH}': (t: Date) => pad(t.getUTCHours()),
} as const;

/** The placeholders, in the order a message lists them. */
export const DATE_PLACEHOLDERS = Object.keys(FILLS) as (keyof typeof FILLS)[];

/** How many digits each placeholder becomes. */
export const PLACEHOLDER_DIGITS: ReadonlyMap<string, number> = new Map(
  DATE_PLACEHOLDERS.map((p) => [p, FILLS[p](new Date(0)).length]),
);

/** Fills every placeholder of `template` with the scheduled time (UTC). */
export function resolveDatePlaceholders(template: string, time: Date): string {
  return DATE_PLACEHOLDERS.reduce(
    (text, placeholder) => text.replaceAll(placeholder, FILLS[placeholder](time)),
    template,
  );
}
