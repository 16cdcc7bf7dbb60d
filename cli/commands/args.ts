import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's parse errors, cut to their first sentence. */
function firstLine(err: unknown): string {
  const message = (err as Error).message.split('\n')[0] ?? 'invalid arguments';
  return message.split('. To specify')[0] ?? message;
}

/** Parses `--flag value` options strictly (no positionals); any problem becomes a one-line UsageError. */
export function parseOptions<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(firstLine(err));
  }
}

/** Reads an integer option within bounds, or throws a UsageError naming the option. */
export function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** Parses options and positional arguments strictly; any problem becomes a one-line UsageError. */
export function parseCommand<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(firstLine(err));
  }
}
