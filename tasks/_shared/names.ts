import { createHash } from 'node:crypto';

const HASH_LENGTH = 10;
const MAX_NAME_LENGTH = 63;

/** Serializes a value with sorted object keys and no undefined members, so equal specs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A short, stable hash of a specification. */
export function specHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * The deterministic name of a resource this project creates for an endpoint: `<endpoint>-<hash of spec>`,
 * at most 63 characters (the endpoint part is shortened, the hash never).
 */
export function resourceName(endpointName: string, spec: unknown): string {
  return `${resourceNamePrefix(endpointName)}-${specHash({ endpointName, spec })}`;
}

/** The endpoint part of the names `resourceName` gives: what to list resources by (`NameContains`). */
export function resourceNamePrefix(endpointName: string): string {
  return endpointName.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1);
}

/** Whether `name` is one that `resourceName(endpointName, ...)` could have produced. */
export function isResourceNameOf(endpointName: string, name: string): boolean {
  const prefix = resourceNamePrefix(endpointName);
  return (
    name.length === prefix.length + 1 + HASH_LENGTH &&
    name.startsWith(`${prefix}-`) &&
    /^[0-9a-f]+$/.test(name.slice(prefix.length + 1))
  );
}
