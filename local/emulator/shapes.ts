import { readFileSync } from 'node:fs';
import { ServiceError } from './errors.ts';

/** A member reference inside a structure shape, with its HTTP binding for REST protocols. */
interface MemberRef {
  shape: string;
  location?: 'header' | 'uri' | 'querystring' | 'headers' | 'statusCode';
  locationName?: string;
}

/** One shape of an AWS API model (botocore JSON form). */
export interface Shape {
  type: string;
  members?: Record<string, MemberRef>;
  required?: string[];
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  sensitive?: boolean;
  payload?: string;
  error?: { httpStatusCode?: number; code?: string };
}

/** One operation of an AWS API model. */
export interface Operation {
  name: string;
  input?: { shape: string };
  output?: { shape: string };
  errors?: { shape: string }[];
  http?: { method: string; requestUri: string; responseCode?: number };
}

/** An AWS API model as stored in `aws-models/` (operations and shapes, documentation removed). */
export interface ApiModel {
  metadata: Record<string, string>;
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

const modelCache = new Map<string, ApiModel>();

/** Loads one of the API models shipped with the emulator. */
export function loadModel(file: 'sagemaker.json' | 'sagemaker-runtime.json'): ApiModel {
  let model = modelCache.get(file);
  if (!model) {
    model = JSON.parse(readFileSync(new URL(`./aws-models/${file}`, import.meta.url), 'utf8')) as ApiModel;
    modelCache.set(file, model);
  }
  return model;
}

const patternCache = new Map<string, RegExp | null>();

/**
 * Translates a model pattern (Java regex syntax, matched against the whole value) into a JavaScript RegExp.
 * Constructs JavaScript lacks are rewritten generically; a pattern that still does not compile is not enforced.
 */
function compilePattern(pattern: string): RegExp | null {
  const cached = patternCache.get(pattern);
  if (cached !== undefined) return cached;
  const posixClasses: Record<string, string> = { ASCII: '\\x00-\\x7F', Print: '\\x20-\\x7E' };
  let src = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      const posix = /^p\{(ASCII|Print)\}/.exec(pattern.slice(i + 1));
      if (posix) {
        const range = posixClasses[posix[1] as string] as string;
        src += inClass ? range : `[${range}]`;
        i += posix[0].length;
      } else if (next === 'A' && !inClass) {
        src += '^';
        i += 1;
      } else if ((next === 'z' || next === 'Z') && !inClass) {
        src += '$';
        i += 1;
      } else {
        src += ch + next;
        i += 1;
      }
      continue;
    }
    if (ch === '[' && !inClass) inClass = true;
    else if (ch === ']' && inClass) inClass = false;
    else if (ch === '$' && !inClass) {
      // Java tolerates a quantifier after an anchor (e.g. `...)${1,128}`); it means nothing, so drop it.
      const quantifier = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i + 1));
      if (quantifier) {
        src += '$';
        i += quantifier[0].length;
        continue;
      }
    }
    src += ch;
  }
  let compiled: RegExp | null = null;
  for (const flags of ['u', '']) {
    try {
      compiled = new RegExp(`^(?:${src})$`, flags);
      break;
    } catch {
      // try the next flag set
    }
  }
  patternCache.set(pattern, compiled);
  return compiled;
}

const lowerFirstCache = new Map<string, string>();

/** `EndpointName` -> `endpointName`, as AWS's messages name members (cached: validation runs on every request). */
function lowerFirst(name: string): string {
  let lowered = lowerFirstCache.get(name);
  if (lowered === undefined) {
    lowered = name.charAt(0).toLowerCase() + name.slice(1);
    lowerFirstCache.set(name, lowered);
  }
  return lowered;
}

/**
 * A string's length in code points, as AWS's length constraints count it (a surrogate pair is one), without making
 * the array `[...value]` would (validation runs on every request).
 */
function codePoints(value: string): number {
  let pairs = 0;
  for (let i = 0; i < value.length - 1; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return value.length - pairs;
}

function renderValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(renderValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${renderValue(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

class SerializationProblem extends Error {}

/** Stands in for a blob too large to keep in memory: validation only needs its size. */
export class BlobSize {
  constructor(readonly byteLength: number) {}
}

/** Validates operation inputs against the model the way AWS front ends do, with their messages. */
export class ShapeValidator {
  private readonly memberLists = new Map<string, [string, MemberRef][]>();

  constructor(
    private readonly model: ApiModel,
    /** The error code this service uses for constraint violations (`ValidationException`, `ValidationError`). */
    private readonly errorCode: string,
  ) {}

  /** Throws the service's validation error (or SerializationException for wrong JSON types) when `input` breaks the input shape. */
  validate(operationName: string, input: unknown): void {
    const operation = this.model.operations[operationName];
    if (!operation?.input) return;
    const violations: string[] = [];
    try {
      this.check(operation.input.shape, input, '', violations, false);
    } catch (err) {
      if (err instanceof SerializationProblem) throw new ServiceError('SerializationException', err.message, 400);
      throw err;
    }
    if (violations.length > 0) {
      const n = violations.length;
      throw new ServiceError(
        this.errorCode,
        `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
        400,
      );
    }
  }

  /** A structure's members as [name, reference] pairs, listed once per shape (validation runs on every call). */
  private members(shapeName: string, shape: Shape): [string, MemberRef][] {
    let members = this.memberLists.get(shapeName);
    if (members === undefined) {
      members = Object.entries(shape.members ?? {});
      this.memberLists.set(shapeName, members);
    }
    return members;
  }

  private shape(name: string): Shape {
    const shape = this.model.shapes[name];
    if (!shape) throw new Error(`Shape ${name} missing from the API model`);
    return shape;
  }

  private violation(violations: string[], path: string, value: unknown, sensitive: boolean, constraint: string): void {
    const rendered =
      value === undefined || value === null ? 'Value null' : sensitive ? 'Value' : `Value '${renderValue(value)}'`;
    violations.push(`${rendered} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  private check(shapeName: string, value: unknown, path: string, violations: string[], parentSensitive: boolean): void {
    const shape = this.shape(shapeName);
    const sensitive = parentSensitive || shape.sensitive === true;
    switch (shape.type) {
      case 'structure': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new SerializationProblem(`Expected an object at '${path || 'input'}'`);
        }
        const record = value as Record<string, unknown>;
        for (const [memberName, ref] of this.members(shapeName, shape)) {
          const memberValue = record[memberName];
          // The path is built only for a member that is there or missing and required: this runs on every call.
          if ((memberValue === undefined || memberValue === null) && !shape.required?.includes(memberName)) continue;
          const memberPath = path ? `${path}.${lowerFirst(memberName)}` : lowerFirst(memberName);
          if (memberValue === undefined || memberValue === null) {
            this.violation(violations, memberPath, null, false, 'Member must not be null');
            continue;
          }
          this.check(ref.shape, memberValue, memberPath, violations, sensitive);
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(value)) throw new SerializationProblem(`Expected a list at '${path}'`);
        this.checkLength(shape, value.length, value, path, violations, sensitive);
        value.forEach((item, index) => {
          if (shape.member) this.check(shape.member.shape, item, `${path}.${index + 1}.member`, violations, sensitive);
        });
        return;
      }
      case 'map': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new SerializationProblem(`Expected a map at '${path}'`);
        }
        const entries = Object.entries(value as Record<string, unknown>);
        this.checkLength(shape, entries.length, value, path, violations, sensitive);
        for (const [key, item] of entries) {
          if (shape.key) this.check(shape.key.shape, key, `${path}.${key}.key`, violations, sensitive);
          if (shape.value) this.check(shape.value.shape, item, `${path}.${key}.member`, violations, sensitive);
        }
        return;
      }
      case 'string': {
        if (typeof value !== 'string') throw new SerializationProblem(`Expected a string at '${path}'`);
        this.checkLength(shape, codePoints(value), value, path, violations, sensitive);
        if (shape.pattern !== undefined) {
          const regex = compilePattern(shape.pattern);
          if (regex && !regex.test(value)) {
            this.violation(
              violations,
              path,
              value,
              sensitive,
              `Member must satisfy regular expression pattern: ${shape.pattern.startsWith('^') ? '' : '^'}${shape.pattern}`,
            );
          }
        }
        if (shape.enum && !shape.enum.includes(value)) {
          this.violation(
            violations,
            path,
            value,
            sensitive,
            `Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
          );
        }
        return;
      }
      case 'blob': {
        const length =
          typeof value === 'string'
            ? value.length
            : value instanceof Uint8Array || value instanceof BlobSize
              ? value.byteLength
              : -1;
        if (length < 0) throw new SerializationProblem(`Expected a blob at '${path}'`);
        this.checkLength(shape, length, value, path, violations, true);
        return;
      }
      case 'integer':
      case 'long':
      case 'float':
      case 'double': {
        const integral = shape.type === 'integer' || shape.type === 'long';
        if (typeof value !== 'number' || !Number.isFinite(value) || (integral && !Number.isInteger(value))) {
          throw new SerializationProblem(`Expected a number at '${path}'`);
        }
        if (shape.min !== undefined && value < shape.min) {
          this.violation(
            violations,
            path,
            value,
            sensitive,
            `Member must have value greater than or equal to ${shape.min}`,
          );
        }
        if (shape.max !== undefined && value > shape.max) {
          this.violation(
            violations,
            path,
            value,
            sensitive,
            `Member must have value less than or equal to ${shape.max}`,
          );
        }
        return;
      }
      case 'boolean':
        if (typeof value !== 'boolean') throw new SerializationProblem(`Expected a boolean at '${path}'`);
        return;
      case 'timestamp':
        if (typeof value !== 'number' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
          throw new SerializationProblem(`Expected a timestamp at '${path}'`);
        }
        return;
      default:
        return;
    }
  }

  private checkLength(
    shape: Shape,
    length: number,
    value: unknown,
    path: string,
    violations: string[],
    sensitive: boolean,
  ): void {
    if (shape.min !== undefined && length < shape.min) {
      this.violation(
        violations,
        path,
        value,
        sensitive,
        `Member must have length greater than or equal to ${shape.min}`,
      );
    }
    if (shape.max !== undefined && length > shape.max) {
      this.violation(violations, path, value, sensitive, `Member must have length less than or equal to ${shape.max}`);
    }
  }
}

/**
 * Keeps only the members the named shape declares, recursively, and drops empty values,
 * so answers carry exactly the fields AWS's output shapes describe.
 */
export function project(model: ApiModel, shapeName: string, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  const shape = model.shapes[shapeName];
  if (!shape) return value;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return undefined;
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const projected = project(model, ref.shape, (value as Record<string, unknown>)[name]);
        if (projected !== undefined) out[name] = projected;
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) return undefined;
      return value.map((item) => (shape.member ? project(model, shape.member.shape, item) : item));
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return undefined;
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          shape.value ? project(model, shape.value.shape, v) : v,
        ]),
      );
    default:
      return value;
  }
}
