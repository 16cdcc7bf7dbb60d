/**
 * The slice of the state document a step reads, checked structurally at the step's boundary. The workflow's
 * first state validated the request in full (contract, ranges, defaults: workflows/first-state.ts); what a
 * later step needs to know is that the fields it reads are there, each with the right kind of value. A missing
 * earlier result (a step wired before the one that records it, a hand-made or redriven input) is then an
 * InvalidInputError naming the field, before any call is made. No validation library: a step's bundle carries
 * the check of its own fields and nothing else.
 */
import { InvalidInputError } from '../../contracts/errors.ts';

/** The kinds of value a field can be checked for. */
type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';

/** A field that may be absent; when present, it is checked against `spec`. */
interface Optional<S> {
  readonly optional: S;
}

/** Marks a field that may be absent. */
export const optional = <const S>(spec: S): Optional<S> => ({ optional: spec });

/**
 * How a value of type T is checked: its kind, or (for an object) a check of each of its fields. The compiler
 * holds a spec to its type: every field of T is listed, an optional one wrapped in `optional()`.
 */
export type Spec<T> = T extends string
  ? 'string'
  : T extends number
    ? 'number'
    : T extends boolean
      ? 'boolean'
      : T extends readonly unknown[]
        ? 'array'
        : T extends object
          ? 'object' | FieldSpecs<T>
          : never;

/** The spec of each field of an object type. */
export type FieldSpecs<T> = {
  readonly [K in keyof T]-?: undefined extends T[K] ? Optional<Spec<Exclude<T[K], undefined>>> : Spec<T[K]>;
};

/** A checked slice: `check` returns the document itself, typed, or throws InvalidInputError naming the fields. */
export interface StateSlice<T> {
  check(value: unknown, what: string): T;
  /** What is checked, field by field: the fields the step reads (test/workflows/state-flow reads them). */
  readonly fields: FieldSpecs<T>;
}

type AnySpec = Kind | Optional<AnySpec> | { readonly [key: string]: AnySpec };

const MAX_REPORTED = 8;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

function checkField(spec: AnySpec, value: unknown, path: string, issues: string[]): void {
  if (typeof spec === 'object' && 'optional' in spec) {
    if (value !== undefined) checkField(spec.optional as AnySpec, value, path, issues);
    return;
  }
  const expected: Kind = typeof spec === 'string' ? spec : 'object';
  const actual = kindOf(value);
  if (actual !== expected) {
    const field = path === '' ? 'the document' : path;
    issues.push(
      `${field}: expected ${expected === 'array' ? 'an array' : `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`}, received ${actual}`,
    );
    return;
  }
  if (typeof spec === 'object') {
    for (const [key, child] of Object.entries(spec)) {
      checkField(
        child as AnySpec,
        (value as Record<string, unknown>)[key],
        path === '' ? key : `${path}.${key}`,
        issues,
      );
    }
  }
}

/** The slice of a state document that `spec` describes. */
export function stateSlice<T>(spec: FieldSpecs<T>): StateSlice<T> {
  return {
    fields: spec,
    check(value, what) {
      const issues: string[] = [];
      checkField(spec as unknown as AnySpec, value, '', issues);
      if (issues.length === 0) return value as T;
      const more = issues.length > MAX_REPORTED ? ` (and ${issues.length - MAX_REPORTED} more)` : '';
      throw new InvalidInputError(`Invalid ${what}: ${issues.slice(0, MAX_REPORTED).join('; ')}${more}`);
    },
  };
}
