import * as zc from 'zod/v4/core';
import { InvalidInputError } from './errors.ts';
import { quote, truncate } from './messages.ts';

/** Issues named in one message; the rest are counted. */
const MAX_ISSUES = 8;
/** Longest rule text of one issue: a message names the rule, it does not list every allowed value. */
const MAX_RULE_CHARS = 240;
/** Allowed values or unknown keys a rule lists before counting the rest. */
const LISTED = 8;

/** Formats a zod issue path as a user writes it: `variants[0].instanceType` (a long key cut short). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? truncate(String(part)) : `.${truncate(String(part))}`;
  }
  return out;
}

/** `items` as a short list: the first few, then how many more. */
function shortList(items: readonly unknown[], separator: string): string {
  const listed = items.slice(0, LISTED).map(quote).join(separator);
  return items.length > LISTED ? `${listed}${separator}… (${items.length} in all)` : listed;
}

/** The rule an issue states, short: long lists of keys or options are cut, and so is the text. */
function ruleOf(issue: zc.$ZodIssue): string {
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${shortList(issue.keys, ', ')}`;
  } else if (issue.code === 'invalid_value' && message.startsWith('Invalid option: expected one of')) {
    message = `Invalid option: expected one of ${shortList(issue.values, '|')}`;
  } else if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    // A rejected record key (a tag key, an environment variable name) says why only in its nested issues.
    message = `${issue.message} (${issue.issues.map((inner) => inner.message).join('; ')})`;
  }
  return truncate(message, MAX_RULE_CHARS);
}

/** `field: rule` for each issue, at most MAX_ISSUES of them: the body of an InvalidInputError message. */
export function describeIssues(issues: readonly zc.$ZodIssue[]): string {
  const described = issues.slice(0, MAX_ISSUES).map((issue) => {
    const field = formatPath(issue.path);
    return field === '' ? ruleOf(issue) : `${field}: ${ruleOf(issue)}`;
  });
  const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '';
  return `${described.join('; ')}${more}`;
}

/** Parses `value` with `schema`, or throws InvalidInputError naming each bad field and what was expected. */
export function parseInput<Schema extends zc.$ZodType>(
  schema: Schema,
  value: unknown,
  what = 'input',
): zc.output<Schema> {
  const result = zc.safeParse(schema, value);
  if (result.success) return result.data;
  throw new InvalidInputError(`Invalid ${what}: ${describeIssues(result.error.issues)}`, { cause: result.error });
}
