/**
 * What a rule's target receives, as EventBridge builds it: the whole event (default), a constant `Input`, the
 * part of the event at `InputPath`, or an `InputTransformer` (variables from `InputPathsMap` substituted into
 * `InputTemplate`). And the context attributes EventBridge Scheduler substitutes into a schedule's input.
 */

/** Raised when a target's input settings are not ones EventBridge accepts or the emulator implements. */
export class InvalidTargetInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

/** The input settings of one rule target (CloudFormation's AWS::Events::Rule Target properties). */
export interface RuleTargetInput {
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
}

/** The rule a target belongs to, for the `aws.events.rule-*` variables. */
interface RuleIdentity {
  readonly name: string;
  readonly arn: string;
}

const PREDEFINED = [
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
];

type PathStep = string | number;

/**
 * Parses the JSON path subset EventBridge evaluates: `$`, then `.name` steps (letters, digits, `-`, `_`, `/`) and
 * `[index]` steps. Wildcards are refused: the emulator does not implement them.
 */
export function parseJsonPath(path: string, where: string): PathStep[] {
  if (!path.startsWith('$')) throw new InvalidTargetInputError(`${where}: JSON path ${path} must start with $`);
  const steps: PathStep[] = [];
  const step = /^(?:\.([A-Za-z0-9_\-/]+)|\[(\d+)\])/;
  let rest = path.slice(1);
  while (rest !== '') {
    const match = step.exec(rest);
    if (!match) {
      const hint = rest.includes('*') ? ' (wildcards are not emulated)' : '';
      throw new InvalidTargetInputError(`${where}: JSON path ${path} is not supported at "${rest}"${hint}`);
    }
    steps.push(match[1] !== undefined ? match[1] : Number(match[2]));
    rest = rest.slice(match[0].length);
  }
  return steps;
}

function valueAt(document: unknown, steps: readonly PathStep[]): unknown {
  let node = document;
  for (const step of steps) {
    if (typeof step === 'number') node = Array.isArray(node) ? node[step] : undefined;
    else
      node =
        node !== null && typeof node === 'object' && !Array.isArray(node)
          ? (node as Record<string, unknown>)[step]
          : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Checks a target's input settings the way PutTargets does; throws naming the field. */
export function validateRuleTargetInput(target: RuleTargetInput, where: string): void {
  const set = (['Input', 'InputPath', 'InputTransformer'] as const).filter((key) => target[key] !== undefined);
  if (set.length > 1) throw new InvalidTargetInputError(`${where}: only one of ${set.join(', ')} may be set`);
  if (target.Input !== undefined) {
    try {
      JSON.parse(target.Input);
    } catch {
      throw new InvalidTargetInputError(`${where}: Input must be valid JSON text`);
    }
  }
  if (target.InputPath !== undefined) parseJsonPath(target.InputPath, `${where}.InputPath`);
  const transformer = target.InputTransformer;
  if (transformer !== undefined) {
    const variables = Object.entries(transformer.InputPathsMap ?? {});
    if (variables.length > 100)
      throw new InvalidTargetInputError(`${where}: InputPathsMap has more than 100 variables`);
    for (const [name, path] of variables) {
      if (PREDEFINED.includes(name)) {
        throw new InvalidTargetInputError(`${where}: InputPathsMap variable ${name} is reserved by EventBridge`);
      }
      parseJsonPath(path, `${where}.InputPathsMap.${name}`);
    }
    if (typeof transformer.InputTemplate !== 'string') {
      throw new InvalidTargetInputError(`${where}: InputTransformer.InputTemplate must be a string`);
    }
  }
}

/** The event without its `detail` (what `<aws.events.event>` stands for). */
function withoutDetail(event: Record<string, unknown>): Record<string, unknown> {
  const { detail: _detail, ...rest } = event;
  return rest;
}

/**
 * Substitutes `<name>` placeholders in a template. Inside a JSON string a string value goes in escaped and without
 * quotes; elsewhere every value goes in as JSON (a string with its quotes). A value that is undefined (its path is
 * not in the event) becomes `null`, or nothing inside a string. `raw` values go in unescaped, as EventBridge
 * documents for `aws.events.event` and `aws.events.event.json`.
 */
function fillTemplate(template: string, values: ReadonlyMap<string, { value: unknown; raw?: boolean }>): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i += 1) {
    const char = template[i] as string;
    if (inString && char === '\\') {
      out += template.slice(i, i + 2);
      i += 1;
      continue;
    }
    if (char === '"') inString = !inString;
    if (char === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      const found = values.get(name);
      if (found !== undefined) {
        const { value, raw } = found;
        if (raw) out += JSON.stringify(value);
        else if (value === undefined) out += inString ? '' : 'null';
        else if (inString)
          out +=
            typeof value === 'string'
              ? JSON.stringify(value).slice(1, -1)
              : JSON.stringify(value).replace(/["\\]/g, '\\$&');
        else out += JSON.stringify(value);
        i = end;
        continue;
      }
    }
    out += char;
  }
  return out;
}

/** The text the target receives for `event`; `ingestionTime` is when the bus received it. */
export function ruleTargetInput(
  target: RuleTargetInput,
  event: Record<string, unknown>,
  rule: RuleIdentity,
  ingestionTime: Date,
): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    const value = valueAt(event, parseJsonPath(target.InputPath, 'InputPath'));
    return JSON.stringify(value ?? null);
  }
  const transformer = target.InputTransformer;
  if (transformer === undefined) return JSON.stringify(event);
  const values = new Map<string, { value: unknown; raw?: boolean }>([
    ['aws.events.rule-arn', { value: rule.arn }],
    ['aws.events.rule-name', { value: rule.name }],
    ['aws.events.event.ingestion-time', { value: ingestionTime.toISOString().replace(/\.\d{3}Z$/, 'Z') }],
    ['aws.events.event', { value: withoutDetail(event), raw: true }],
    ['aws.events.event.json', { value: event, raw: true }],
  ]);
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) {
    values.set(name, { value: valueAt(event, parseJsonPath(path, `InputPathsMap.${name}`)) });
  }
  return fillTemplate(transformer.InputTemplate, values);
}

/** EventBridge Scheduler's context attributes of one delivery. */
interface SchedulerContext {
  readonly scheduleArn: string;
  readonly scheduledTime: Date;
  readonly executionId: string;
  readonly attemptNumber: number;
}

/** A schedule target's input with Scheduler's context attributes (`<aws.scheduler.*>`) substituted as text. */
export function schedulerTargetInput(input: string, context: SchedulerContext): string {
  const attributes: Record<string, string> = {
    'aws.scheduler.schedule-arn': context.scheduleArn,
    'aws.scheduler.scheduled-time': context.scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws.scheduler.execution-id': context.executionId,
    'aws.scheduler.attempt-number': String(context.attemptNumber),
  };
  return input.replace(/<(aws\.scheduler\.[a-z-]+)>/g, (whole, name: string) => attributes[name] ?? whole);
}
