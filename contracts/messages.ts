/**
 * How validation messages quote what the user wrote: short, whatever the size of the value, so a message names
 * the field and the rule without echoing a kilobyte of input.
 */
import { QUOTED_VALUE_CHARS } from './limits.ts';

/** `text`, cut to `max` characters with `…` when longer. */
export function truncate(text: string, max = QUOTED_VALUE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A user's value in double quotes, cut to a readable length; anything but a string as its JSON type. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return `"${truncate(value)}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}
