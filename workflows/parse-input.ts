import * as zc from 'zod/v4/core';
import { InvalidInputError } from './errors.ts';

/** Formats a zod issue path as a user writes it: `variants[0].instanceType`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Parses `value` with `schema`, or throws InvalidInputError naming each bad field and what was expected. */
export function parseInput<Schema extends zc.$ZodType>(
  schema: Schema,
  value: unknown,
  what = 'input',
): zc.output<Schema> {
  const result = zc.safeParse(schema, value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 8).map((issue) => {
    const field = formatPath(issue.path);
    // A rejected record key (a tag key, an environment variable name) says why only in its nested issues.
    const message =
      issue.code === 'invalid_key' && issue.issues.length > 0
        ? `${issue.message} (${issue.issues.map((inner) => inner.message).join('; ')})`
        : issue.message;
    return field === '' ? message : `${field}: ${message}`;
  });
  const more = result.error.issues.length > 8 ? ` (and ${result.error.issues.length - 8} more)` : '';
  throw new InvalidInputError(`Invalid ${what}: ${issues.join('; ')}${more}`, { cause: result.error });
}
