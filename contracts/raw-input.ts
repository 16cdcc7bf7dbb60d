/**
 * What the first state checks on the raw execution input before any contract sees it: its size as JSON, and
 * keys that name a JavaScript object's internals. Both are read in one iterative pass, so an input nested
 * thousands of levels deep is measured, not a stack overflow.
 */

/**
 * Keys no contract field has and that a parser may drop without a word: `JSON.parse` makes `__proto__` an own
 * key, which copying the object into a record then turns into a prototype instead of an entry.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** What the pass found: the JSON size (a lower bound once past `stopAfterBytes`) and where the bad keys are. */
interface RawInputReport {
  /** UTF-8 bytes of the value as compact JSON (what `JSON.stringify` would write). */
  readonly bytes: number;
  /** True when measuring stopped at `stopAfterBytes`: the value is at least `bytes` long. */
  readonly truncated: boolean;
  /** The path of each key in PROTOTYPE_KEYS, in document order. */
  readonly prototypeKeys: readonly (readonly PropertyKey[])[];
}

interface Node {
  readonly value: unknown;
  readonly parent: number;
  readonly key: PropertyKey;
}

/** Prototype keys reported; a message names the first few anyway. */
const MAX_REPORTED_KEYS = 8;

const utf8 = new TextEncoder();
const jsonBytes = (value: unknown) => utf8.encode(JSON.stringify(value)).length;

/** Whether JSON leaves the value out of an object (and writes `null` for it in an array). */
const isOmitted = (value: unknown) => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** The value JSON writes for `value` under `key`: the result of its `toJSON`, when it has one. */
function jsonValue(value: unknown, key: PropertyKey): unknown {
  const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
  return typeof toJSON === 'function' ? toJSON.call(value, String(key)) : value;
}

/** Measures `input` as JSON and finds its prototype keys; stops measuring past `stopAfterBytes`. */
export function inspectRawInput(input: unknown, stopAfterBytes: number): RawInputReport {
  const nodes: Node[] = [{ value: jsonValue(input, ''), parent: -1, key: '' }];
  const prototypeKeys: PropertyKey[][] = [];
  const pathOf = (index: number, key: PropertyKey) => {
    const path = [key];
    for (let at = index; at > 0; at = (nodes[at] as Node).parent) path.push((nodes[at] as Node).key);
    return path.reverse();
  };
  let bytes = 0;
  for (let at = 0; at < nodes.length; at++) {
    if (bytes > stopAfterBytes) return { bytes, truncated: true, prototypeKeys };
    const { value } = nodes[at] as Node;
    if (Array.isArray(value)) {
      bytes += 2 + Math.max(value.length - 1, 0);
      for (let i = 0; i < value.length; i++) {
        const child = jsonValue(value[i], i);
        if (isOmitted(child)) bytes += 4;
        else nodes.push({ value: child, parent: at, key: i });
      }
    } else if (value !== null && typeof value === 'object') {
      let members = 0;
      for (const key of Object.keys(value)) {
        if (PROTOTYPE_KEYS.has(key) && prototypeKeys.length < MAX_REPORTED_KEYS) prototypeKeys.push(pathOf(at, key));
        const child = jsonValue((value as Record<string, unknown>)[key], key);
        if (isOmitted(child)) continue;
        members += 1;
        bytes += jsonBytes(key) + 1;
        nodes.push({ value: child, parent: at, key });
      }
      bytes += 2 + Math.max(members - 1, 0);
    } else if (!isOmitted(value)) {
      bytes += jsonBytes(value);
    }
  }
  return { bytes, truncated: false, prototypeKeys };
}
