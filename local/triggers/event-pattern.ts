/**
 * EventBridge event patterns: validated as PutRule validates them and matched with EventBridge's documented
 * semantics (exact values, prefix, suffix, equals-ignore-case, anything-but, numeric, exists, cidr, wildcard,
 * `$or`). A value in an event that is an array matches when any of its elements matches. Only leaf values
 * (strings, numbers, booleans, null) are matched; an object where a pattern expects values matches nothing.
 */
import { isIP } from 'node:net';

/** Raised when a rule's event pattern is not one EventBridge accepts. */
export class InvalidEventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventPatternException';
  }
}

type Leaf = string | number | boolean | null;
type Json = Leaf | Json[] | { [key: string]: Json };

/** EventBridge's numeric range for numeric matching and exact numbers. */
const NUMERIC_LIMIT = 5e9;
const OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

function problem(path: string, message: string): never {
  throw new InvalidEventPatternError(`Event pattern is not valid at ${path || 'the top level'}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkNumber(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > NUMERIC_LIMIT) {
    problem(path, `expected a number between -5.0e9 and 5.0e9, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkString(path: string, operator: string, value: unknown): string {
  if (typeof value !== 'string') problem(path, `${operator} expects a string, got ${JSON.stringify(value)}`);
  return value;
}

function checkWildcard(path: string, value: unknown): string {
  const text = checkString(path, 'wildcard', value);
  if (text.replace(/\\[\\*]/g, '').includes('**')) problem(path, 'wildcard may not contain consecutive *');
  return text;
}

/** `prefix`/`suffix` take a string or `{ "equals-ignore-case": string }`. */
function checkAffix(path: string, operator: string, value: unknown): void {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      problem(path, `${operator} takes a string or {"equals-ignore-case": string}`);
    }
    checkString(path, `${operator} equals-ignore-case`, value['equals-ignore-case']);
    return;
  }
  checkString(path, operator, value);
}

function checkNumeric(path: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0 || value.length % 2 !== 0 || value.length > 4) {
    problem(path, 'numeric takes one or two [operator, number] pairs, e.g. [">", 0, "<=", 5]');
  }
  const bounds: Partial<Record<'lower' | 'upper' | 'equal', number>> = {};
  for (let i = 0; i < value.length; i += 2) {
    const operator: unknown = value[i];
    if (typeof operator !== 'string' || !OPERATORS.has(operator)) {
      problem(path, `numeric operator must be one of < <= = > >=, got ${JSON.stringify(operator)}`);
    }
    const bound = checkNumber(path, value[i + 1]);
    const side = operator.startsWith('<') ? 'upper' : operator.startsWith('>') ? 'lower' : 'equal';
    if (bounds[side] !== undefined || (side === 'equal' && value.length > 2)) {
      problem(path, 'numeric takes at most one lower and one upper bound, or one "="');
    }
    bounds[side] = bound;
  }
  if (bounds.lower !== undefined && bounds.upper !== undefined && bounds.lower >= bounds.upper) {
    problem(path, 'numeric lower bound must be below its upper bound');
  }
}

function checkAnythingBut(path: string, value: unknown): void {
  if (Array.isArray(value)) {
    if (value.length === 0) problem(path, 'anything-but list may not be empty');
    const kinds = new Set(value.map((v) => typeof v));
    if (kinds.size !== 1 || !(kinds.has('string') || kinds.has('number'))) {
      problem(path, 'anything-but list must hold only strings or only numbers');
    }
    for (const v of value) if (typeof v === 'number') checkNumber(path, v);
    return;
  }
  if (typeof value === 'string') return;
  if (typeof value === 'number') {
    checkNumber(path, value);
    return;
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1) problem(path, 'anything-but takes one of prefix, suffix, equals-ignore-case, wildcard');
    const [key] = keys as [string];
    const inner = value[key];
    if (key === 'prefix' || key === 'suffix') checkString(path, `anything-but ${key}`, inner);
    else if (key === 'equals-ignore-case' || key === 'wildcard') {
      const list = Array.isArray(inner) ? inner : [inner];
      if (list.length === 0) problem(path, `anything-but ${key} list may not be empty`);
      for (const item of list) key === 'wildcard' ? checkWildcard(path, item) : checkString(path, key, item);
    } else problem(path, `anything-but does not support ${key}`);
    return;
  }
  problem(path, `anything-but takes a string, a number, a list or an operator object, got ${JSON.stringify(value)}`);
}

function checkCidr(path: string, value: unknown): void {
  const text = checkString(path, 'cidr', value);
  const [address, bits, extra] = text.split('/');
  const version = isIP(address ?? '');
  const max = version === 4 ? 32 : 128;
  if (version === 0 || extra !== undefined || bits === undefined || !/^\d+$/.test(bits) || Number(bits) > max) {
    problem(path, `cidr expects an IPv4 or IPv6 block such as 10.0.0.0/24, got ${JSON.stringify(text)}`);
  }
}

function checkMatcher(path: string, matcher: unknown): void {
  if (matcher === null || typeof matcher === 'string' || typeof matcher === 'boolean') return;
  if (typeof matcher === 'number') {
    checkNumber(path, matcher);
    return;
  }
  if (!isObject(matcher)) problem(path, `unsupported value ${JSON.stringify(matcher)}`);
  const keys = Object.keys(matcher);
  if (keys.length !== 1) problem(path, 'a matcher object has exactly one operator');
  const [operator] = keys as [string];
  const value = matcher[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      checkAffix(path, operator, value);
      return;
    case 'equals-ignore-case':
      checkString(path, operator, value);
      return;
    case 'wildcard':
      checkWildcard(path, value);
      return;
    case 'anything-but':
      checkAnythingBut(path, value);
      return;
    case 'numeric':
      checkNumeric(path, value);
      return;
    case 'exists':
      if (typeof value !== 'boolean') problem(path, 'exists takes true or false');
      return;
    case 'cidr':
      checkCidr(path, value);
      return;
    default:
      problem(path, `unsupported operator ${JSON.stringify(operator)}`);
  }
}

function checkObject(path: string, pattern: unknown): void {
  if (!isObject(pattern)) problem(path, 'expected a JSON object');
  if (Object.keys(pattern).length === 0) problem(path, 'an object in a pattern needs at least one field');
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) problem(at, '$or takes a list of at least two patterns');
      value.forEach((branch, i) => {
        checkObject(`${at}[${i}]`, branch);
      });
    } else if (Array.isArray(value)) {
      if (value.length === 0) problem(at, 'empty arrays are not allowed');
      for (const matcher of value) checkMatcher(at, matcher);
    } else if (isObject(value)) {
      checkObject(at, value);
    } else {
      problem(at, `a field's value must be an array of matchers or a nested object, got ${JSON.stringify(value)}`);
    }
  }
}

/** A validated event pattern. */
export interface EventPattern {
  readonly source: Record<string, unknown>;
  matches(event: unknown): boolean;
}

/** Parses and validates a pattern (a JSON string or object); throws InvalidEventPatternError naming the problem. */
export function parseEventPattern(pattern: unknown): EventPattern {
  let parsed: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw new InvalidEventPatternError(`Event pattern is not valid JSON: ${(error as Error).message}`);
    }
  }
  checkObject('', parsed);
  const source = parsed as Record<string, unknown>;
  return { source, matches: (event) => matchObject(source, event) };
}

/** The leaf values at a field: the value itself, or an array's leaf elements (nested arrays flattened). */
function leavesOf(value: unknown): Leaf[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.flatMap((item) => leavesOf(item) ?? []);
  if (isObject(value)) return [];
  return [value as Leaf];
}

function matchObject(pattern: Record<string, unknown>, event: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(expected as Record<string, unknown>[]).some((branch) => matchObject(branch, event))) return false;
      continue;
    }
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchField(expected, value)) return false;
    } else {
      // A nested pattern: the event's field must be an object (or an array holding one) that matches.
      const candidates = Array.isArray(value) ? value : [value];
      if (
        !candidates.some(
          (candidate) => isObject(candidate) && matchObject(expected as Record<string, unknown>, candidate),
        )
      ) {
        return false;
      }
    }
  }
  return true;
}

function matchField(matchers: unknown[], value: unknown): boolean {
  const leaves = leavesOf(value) ?? [];
  return matchers.some((matcher) => {
    if (isObject(matcher) && 'exists' in matcher) return matcher.exists === leaves.length > 0;
    return leaves.some((leaf) => matchLeaf(matcher as Json, leaf));
  });
}

function wildcardRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    if (char === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      source += `\\${pattern[i + 1]}`;
      i += 1;
    } else if (char === '*') source += '.*';
    else source += char.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function affixMatches(operator: 'prefix' | 'suffix', expected: unknown, leaf: Leaf): boolean {
  if (typeof leaf !== 'string') return false;
  const ignoreCase = isObject(expected);
  const affix = ignoreCase ? String(expected['equals-ignore-case']) : String(expected);
  const text = ignoreCase ? leaf.toLowerCase() : leaf;
  const wanted = ignoreCase ? affix.toLowerCase() : affix;
  return operator === 'prefix' ? text.startsWith(wanted) : text.endsWith(wanted);
}

function numericMatches(conditions: unknown[], leaf: Leaf): boolean {
  if (typeof leaf !== 'number') return false;
  for (let i = 0; i < conditions.length; i += 2) {
    const bound = conditions[i + 1] as number;
    const ok = {
      '<': leaf < bound,
      '<=': leaf <= bound,
      '=': leaf === bound,
      '>': leaf > bound,
      '>=': leaf >= bound,
    }[conditions[i] as string];
    if (!ok) return false;
  }
  return true;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = ipv4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - headParts.length - tailParts.length).fill('0');
  return [...headParts, ...fill, ...tailParts].reduce((acc, part) => (acc << 16n) + BigInt(`0x${part || '0'}`), 0n);
}

function cidrMatches(block: string, leaf: Leaf): boolean {
  if (typeof leaf !== 'string') return false;
  const [address, bitsText] = block.split('/') as [string, string];
  const version = isIP(address);
  if (isIP(leaf) !== version) return false;
  const width = version === 4 ? 32n : 128n;
  const toInt = version === 4 ? ipv4ToBigInt : ipv6ToBigInt;
  const shift = width - BigInt(Number(bitsText));
  return toInt(address) >> shift === toInt(leaf) >> shift;
}

function anythingButMatches(excluded: unknown, leaf: Leaf): boolean {
  if (Array.isArray(excluded)) return !excluded.some((value) => value === leaf);
  if (!isObject(excluded)) return excluded !== leaf;
  // The operator forms look only at strings: a number or null is not "anything but a prefix".
  if (typeof leaf !== 'string') return false;
  const [operator, value] = Object.entries(excluded)[0] as [string, unknown];
  const list = Array.isArray(value) ? value : [value];
  switch (operator) {
    case 'prefix':
      return !leaf.startsWith(String(value));
    case 'suffix':
      return !leaf.endsWith(String(value));
    case 'equals-ignore-case':
      return !list.some((item) => String(item).toLowerCase() === leaf.toLowerCase());
    default:
      return !list.some((item) => wildcardRegExp(String(item)).test(leaf));
  }
}

function matchLeaf(matcher: Json, leaf: Leaf): boolean {
  if (!isObject(matcher)) return matcher === leaf;
  const [operator, value] = Object.entries(matcher)[0] as [string, unknown];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return affixMatches(operator, value, leaf);
    case 'equals-ignore-case':
      return typeof leaf === 'string' && leaf.toLowerCase() === String(value).toLowerCase();
    case 'wildcard':
      return typeof leaf === 'string' && wildcardRegExp(String(value)).test(leaf);
    case 'anything-but':
      return anythingButMatches(value, leaf);
    case 'numeric':
      return numericMatches(value as unknown[], leaf);
    case 'cidr':
      return cidrMatches(String(value), leaf);
    default:
      return false;
  }
}
