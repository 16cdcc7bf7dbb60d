/**
 * What a synthesized state machine reads before it is written: a walk of the ASL graph from StartAt that follows
 * the state document's shape through every state, and reports each read of a field that some path to the reading
 * state does not write. It is what the compiler cannot see: JSONPath strings in the synthesized definition, and
 * which state runs after which.
 *
 * The shape starts from the first state's output (the workflow's contract, defaults applied, and the execution);
 * a Lambda step adds what contracts/steps.ts declares it writes (or returns a document of those fields only); a
 * step under a waiting task's token (`.waitForTaskToken`) reads the payload's `state`, and its task completes with
 * the step's result and what its wait `completes` with, as does the fallback poll its heartbeat timeout leads to;
 * Parameters, ItemSelector, ResultSelector, Result, ResultPath and OutputPath reshape it as Step Functions does;
 * a Catch adds the error at its ResultPath. Where paths meet, a field is present only if it is present on all of
 * them. A Choice branch taken on `IsPresent: true` knows that field is there. Reads: a step's slice (the fields
 * its handler checks, tasks/_shared/state-slice.ts), Parameters/ItemSelector/ResultSelector paths, InputPath,
 * OutputPath, ItemsPath, Choice variables, Wait SecondsPath/TimestampPath and Fail ErrorPath/CausePath, each
 * within its Map or Parallel scope. Below a field the shape cannot follow (a step's result, a map's item) any read
 * passes: the check is about where fields come from, not what is inside a step's answer.
 */
import { STEPS, type StepOutput } from '../../contracts/steps.ts';
import type { FieldSpecs } from '../../tasks/_shared/state-slice.ts';

/** What is known of a JSON value on one path: the fields there (or maybe there), or nothing (any read passes). */
export interface Shape {
  /** Nothing is known of what is below: any read passes (a step's result, a map item, the execution). */
  readonly opaque: boolean;
  /** The fields known; a field not listed is not there. */
  readonly fields: ReadonlyMap<string, Field>;
}

/** A field of a shape: there (`required`), or maybe there, in which case `when` may say on which condition. */
export interface Field {
  readonly required: boolean;
  readonly shape: Shape;
  /** A maybe-field is there exactly when the field at `path` (from the document's top) equals `equals`. */
  readonly when?: { readonly path: readonly string[]; readonly equals: unknown };
}

/** Anything: reads below pass. */
export const OPAQUE: Shape = { opaque: true, fields: new Map() };

/** A value with no fields (a string, a number, an array). */
const LEAF: Shape = { opaque: false, fields: new Map() };

/** A shape of the given fields, each there. */
export function shapeOf(fields: Record<string, Shape>): Shape {
  return {
    opaque: false,
    fields: new Map(Object.entries(fields).map(([key, shape]) => [key, { required: true, shape }])),
  };
}

/** What both shapes say for sure: a field there in both is there; one in either is maybe there. */
export function join(a: Shape, b: Shape): Shape {
  if (a.opaque) return b;
  if (b.opaque) return a;
  const fields = new Map<string, Field>();
  for (const key of new Set([...a.fields.keys(), ...b.fields.keys()])) {
    const x = a.fields.get(key);
    const y = b.fields.get(key);
    if (x && y) fields.set(key, { required: x.required && y.required, shape: join(x.shape, y.shape) });
    else fields.set(key, { required: false, shape: (x ?? y)?.shape ?? OPAQUE });
  }
  return { opaque: false, fields };
}

function describeShape(shape: Shape): string {
  if (shape.opaque) return '*';
  const parts = [...shape.fields.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([key, field]) =>
        `${key}${field.required ? '' : '?'}${field.when ? `[${field.when.path.join('.')}=${String(field.when.equals)}]` : ''}:${describeShape(field.shape)}`,
    );
  return `{${parts.join(',')}}`;
}

/** A JSONPath of the state document as its keys (`$.a.b` -> ['a', 'b']); an index ends what is followed. */
function pathKeys(path: string): string[] {
  if (path === '$') return [];
  if (!path.startsWith('$.')) throw new Error(`Not a state document path: ${path}`);
  const keys: string[] = [];
  for (const key of path.slice(2).split('.')) {
    const bracket = key.indexOf('[');
    if (bracket >= 0) {
      if (bracket > 0) keys.push(key.slice(0, bracket));
      break;
    }
    keys.push(key);
  }
  return keys;
}

/** One read that some path to its state does not satisfy. */
export interface UnmetRead {
  /** The state, prefixed by its Map or Parallel scopes (`TestCandidates > DeployCandidate`). */
  readonly state: string;
  /** What reads (`Parameters`, `the slice CreateModel reads`, `Choice`, `SecondsPath`...). */
  readonly reader: string;
  /** The path read, from the state's input (`$.endpointConfig.name`). */
  readonly path: string;
  readonly problem: 'never written' | 'not written on every path';
}

type ReadOutcome = 'there' | 'maybe there' | 'not there';

/** The reads of one state on one path: each reader, path and whether it found its field. */
class Reads {
  /** `test`: a test for presence, which needs its field on some path only. */
  readonly outcomes: { reader: string; path: string; outcome: ReadOutcome; test?: boolean }[] = [];

  /** A read that fails the execution when the field is not there: it must be there. */
  required(shape: Shape, keys: readonly string[], reader: string): Shape {
    const { outcome, at } = follow(shape, keys);
    this.outcomes.push({ reader, path: ['$', ...keys].join('.'), outcome });
    return outcome === 'there' ? at : OPAQUE;
  }
}

/** Where `keys` lead in `shape`: whether the field is there, and its shape. */
function follow(shape: Shape, keys: readonly string[]): { outcome: ReadOutcome; at: Shape } {
  let at = shape;
  let outcome: ReadOutcome = 'there';
  for (const key of keys) {
    if (at.opaque) return { outcome, at: OPAQUE };
    const field = at.fields.get(key);
    if (!field) return { outcome: 'not there', at: OPAQUE };
    if (!field.required) outcome = 'maybe there';
    at = field.shape;
  }
  return { outcome, at };
}

/** The shape with the field at `keys` there (and every field above it), or undefined if it cannot be. */
function present(shape: Shape, keys: readonly string[]): Shape | undefined {
  if (shape.opaque || keys.length === 0) return shape;
  const [key, ...rest] = keys as [string, ...string[]];
  const field = shape.fields.get(key);
  if (!field) return undefined;
  const below = present(field.shape, rest);
  if (below === undefined) return undefined;
  const fields = new Map(shape.fields);
  fields.set(key, { required: true, shape: below });
  return { opaque: false, fields };
}

/** The shape without the field at `keys`, or undefined if it is surely there. */
function absent(shape: Shape, keys: readonly string[]): Shape | undefined {
  if (shape.opaque || keys.length === 0) return keys.length === 0 ? undefined : shape;
  const [key, ...rest] = keys as [string, ...string[]];
  const field = shape.fields.get(key);
  if (!field) return shape;
  const fields = new Map(shape.fields);
  if (rest.length === 0) {
    if (field.required) return undefined;
    fields.delete(key);
    return { opaque: false, fields };
  }
  const below = absent(field.shape, rest);
  if (below === undefined) {
    if (field.required) return undefined;
    fields.delete(key);
    return { opaque: false, fields };
  }
  fields.set(key, { ...field, shape: below });
  return { opaque: false, fields };
}

/** The shape once the field at `keys` is known to equal `value`: the maybe-fields written on that condition are there. */
function equal(shape: Shape, keys: readonly string[], value: unknown): Shape {
  if (shape.opaque) return shape;
  let changed = false;
  const fields = new Map(shape.fields);
  for (const [key, field] of shape.fields) {
    if (!field.required && field.when && sameKeys(field.when.path, keys) && field.when.equals === value) {
      fields.set(key, { required: true, shape: field.shape });
      changed = true;
    }
  }
  return changed ? { opaque: false, fields } : shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}

/** The shape with `value` written at `keys` (ResultPath). */
function write(shape: Shape, keys: readonly string[], value: Shape): Shape {
  if (keys.length === 0) return value;
  const [key, ...rest] = keys as [string, ...string[]];
  if (shape.opaque) return shape;
  const fields = new Map(shape.fields);
  fields.set(key, { required: true, shape: write(fields.get(key)?.shape ?? LEAF, rest, value) });
  return { opaque: false, fields };
}

const PATH_IN_INTRINSIC = /(?<![$\w])\$(?:\.[A-Za-z_][\w-]*(?:\[\d+\])?)*/g;

/** Where a synthesized Task's code comes from: its step (a name in contracts/steps.ts) or a workflow's first state. */
export type TaskCode =
  | { readonly kind: 'step'; readonly step: keyof typeof STEPS; readonly slice: FieldSpecs<unknown> }
  | { readonly kind: 'first-state'; readonly output: Shape };

/** What the walk needs to know of the stack: what each Lambda function of a Task runs. */
export interface FlowContext {
  /** The code of a Task's function (its ARN), or undefined for a Task that invokes no function of the stack. */
  readonly codeOf: (functionArn: string) => TaskCode | undefined;
}

type State = Record<string, unknown>;
type Graph = { StartAt: string; States: Record<string, State> };

/** Evaluates a payload template (Parameters, ItemSelector, ResultSelector) against `input`, reading its paths. */
function template(value: unknown, input: Shape, reads: Reads, reader: string): Shape {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return LEAF;
  const fields: Record<string, Shape> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.endsWith('.$') && typeof child === 'string') {
      fields[key.slice(0, -2)] = dynamicValue(child, input, reads, reader);
    } else fields[key] = template(child, input, reads, reader);
  }
  return shapeOf(fields);
}

function dynamicValue(expression: string, input: Shape, reads: Reads, reader: string): Shape {
  // The context object ($$): a Map's item, the execution; nothing the states write.
  if (expression.startsWith('$$.')) return OPAQUE;
  if (expression.startsWith('States.')) {
    for (const path of expression.match(PATH_IN_INTRINSIC) ?? []) reads.required(input, pathKeys(path), reader);
    return OPAQUE;
  }
  return reads.required(input, pathKeys(expression), reader);
}

/** The fields a slice requires, as paths (optional fields are the step's own business). */
function requiredPaths(spec: unknown, prefix: readonly string[] = []): string[][] {
  if (typeof spec === 'string') return [[...prefix]];
  if (spec === null || typeof spec !== 'object' || 'optional' in spec) return [];
  const paths: string[][] = prefix.length > 0 ? [[...prefix]] : [];
  for (const [key, child] of Object.entries(spec)) paths.push(...requiredPaths(child, [...prefix, key]));
  return paths;
}

/** What a step returns given `payload`: one shape per outcome the walk can tell apart. */
function stepOutputs(output: StepOutput, payload: Shape): Shape[] {
  if (output.returns === 'input-and-writes' && payload.opaque) return [OPAQUE];
  let outcomes: Shape[] = [output.returns === 'input-and-writes' ? payload : shapeOf({})];
  const mark = (shape: Shape, key: string, field: Field | undefined): Shape => {
    if (shape.opaque) return shape;
    const fields = new Map(shape.fields);
    if (field === undefined) fields.delete(key);
    else fields.set(key, field);
    return { opaque: false, fields };
  };
  for (const entry of output.mayWrite ?? []) {
    const key = typeof entry === 'string' ? entry : entry.field;
    const when = typeof entry === 'string' ? undefined : entry.when;
    outcomes = outcomes.flatMap((shape): Shape[] => {
      // A step leaves what it was given: a field already there stays there.
      if (shape.fields.get(key)?.required) return [shape];
      if (when === undefined) return [mark(shape, key, { required: false, shape: OPAQUE })];
      if ('path' in when) {
        return [
          mark(shape, key, {
            required: false,
            shape: OPAQUE,
            when: { path: when.path.split('.'), equals: when.equals },
          }),
        ];
      }
      const condition = 'present' in when ? when.present : when.absent;
      const keys = condition.split('.');
      const withCondition = present(shape, keys);
      const withoutCondition = absent(shape, keys);
      const written = 'present' in when ? withCondition : withoutCondition;
      const notWritten = 'present' in when ? withoutCondition : withCondition;
      return [
        ...(written ? [mark(written, key, { required: true, shape: OPAQUE })] : []),
        ...(notWritten ? [notWritten] : []),
      ];
    });
  }
  return outcomes.map((shape) => {
    const fields = new Map(shape.fields);
    for (const key of output.writes) fields.set(key, { required: true, shape: OPAQUE });
    return { opaque: false, fields };
  });
}

/** A Task that runs under its own task token and ends when SendTaskSuccess is called with it. */
function isWaitingTask(state: State): boolean {
  return typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken');
}

const HEARTBEAT_TIMEOUT = 'States.HeartbeatTimeout';

/**
 * What a waiting task completes with. A step that starts a wait reads the payload's `state` (the state document)
 * and completes with its result and the fields its wait `completes` with. The fallback poll (a step that
 * `continues-wait`) runs on the input of the step whose heartbeat timeout leads to it, and completes as that step's
 * wait does.
 */
function waitingTaskOutputs(
  name: string,
  code: TaskCode,
  payload: Shape,
  input: Shape,
  reads: Reads,
  context: FlowContext,
  graph: Graph,
  scope: string,
): Shape[] {
  if (code.kind !== 'step') throw new Error(`State ${scope}${name}: a first state does not wait for a task token`);
  const declared: StepOutput = STEPS[code.step];
  if (declared.returns === 'continues-wait') {
    const started = waitStarterOf(name, graph, context);
    if (started === undefined) {
      throw new Error(
        `State ${scope}${name}: ${code.step} continues a wait, but no step's heartbeat timeout leads here`,
      );
    }
    return waitCompletion(STEPS[started], input);
  }
  if (declared.completes === undefined) {
    throw new Error(
      `State ${scope}${name}: ${code.step} runs under a task token, but contracts/steps.ts declares no completes`,
    );
  }
  // Its slice is read from the state document it is given, and named as paths of that document.
  const state = reads.required(payload, ['state'], 'Payload');
  for (const keys of requiredPaths(code.slice)) {
    reads.required(state, keys, `the slice ${code.step} reads`);
  }
  return waitCompletion(declared, state);
}

/** The step's result given `state`, with what its wait completes with added. */
function waitCompletion(declared: StepOutput, state: Shape): Shape[] {
  return stepOutputs(declared, state).map((output) => {
    if (output.opaque) return output;
    const fields = new Map(output.fields);
    for (const key of declared.completes ?? []) fields.set(key, { required: true, shape: OPAQUE });
    return { opaque: false, fields };
  });
}

/** The step that starts the wait the fallback poll `name` continues: the waiting task whose heartbeat timeout goes there. */
function waitStarterOf(name: string, graph: Graph, context: FlowContext): keyof typeof STEPS | undefined {
  for (const state of Object.values(graph.States)) {
    if (state.Type !== 'Task' || !isWaitingTask(state)) continue;
    const catches = (state.Catch ?? []) as { ErrorEquals?: string[]; Next?: string }[];
    if (!catches.some((c) => c.Next === name && c.ErrorEquals?.includes(HEARTBEAT_TIMEOUT))) continue;
    const functionArn = (state.Parameters as Record<string, unknown> | undefined)?.FunctionName;
    const code = typeof functionArn === 'string' ? context.codeOf(functionArn) : undefined;
    if (code?.kind === 'step' && (STEPS[code.step] as StepOutput).completes !== undefined) return code.step;
  }
  return undefined;
}

const ERROR_OUTPUT = shapeOf({ Error: LEAF, Cause: LEAF });

function placeResult(input: Shape, result: Shape, resultPath: unknown): Shape {
  if (resultPath === null) return input;
  if (resultPath === undefined) return result;
  return write(input, pathKeys(String(resultPath)), result);
}

/** A walk's findings for one state on one path: the edges out, and what nested scopes left unmet. */
interface StateStep {
  readonly edges: [string, Shape][];
  readonly nested: UnmetRead[];
}

/** Runs one state on one input shape: where it goes next, with which shapes, and what it read. */
function stepState(
  name: string,
  state: State,
  input: Shape,
  reads: Reads,
  context: FlowContext,
  scope: string,
  graph: Graph,
): StateStep {
  const edges: [string, Shape][] = [];
  const nested: UnmetRead[] = [];
  const effective =
    typeof state.InputPath === 'string' ? reads.required(input, pathKeys(state.InputPath), 'InputPath') : input;
  const finish = (result: Shape | undefined): Shape => {
    const placed = result === undefined ? input : placeResult(input, result, state.ResultPath);
    return typeof state.OutputPath === 'string'
      ? reads.required(placed, pathKeys(state.OutputPath), 'OutputPath')
      : placed;
  };
  const next = (output: Shape): void => {
    if (typeof state.Next === 'string') edges.push([state.Next, output]);
  };
  const catches = (): void => {
    for (const catcher of (state.Catch ?? []) as { Next: string; ResultPath?: string | null }[]) {
      edges.push([catcher.Next, placeResult(input, ERROR_OUTPUT, catcher.ResultPath)]);
    }
  };
  switch (state.Type) {
    case 'Pass': {
      let result: Shape | undefined;
      if (state.Parameters !== undefined) result = template(state.Parameters, effective, reads, 'Parameters');
      else if (state.Result !== undefined) result = template(state.Result, effective, reads, 'Result');
      else if (state.ResultPath !== undefined) result = effective;
      next(finish(result));
      break;
    }
    case 'Task': {
      const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
      const functionArn = typeof parameters.FunctionName === 'string' ? parameters.FunctionName : undefined;
      const code = functionArn !== undefined ? context.codeOf(functionArn) : undefined;
      let responses: Shape[] = [OPAQUE];
      if (code !== undefined) {
        const payload =
          'Payload.$' in parameters
            ? dynamicValue(String(parameters['Payload.$']), effective, reads, 'Payload')
            : template(parameters.Payload ?? {}, effective, reads, 'Payload');
        if (isWaitingTask(state)) {
          // The task's output is the document SendTaskSuccess gives it, not the function's response.
          responses = waitingTaskOutputs(name, code, payload, effective, reads, context, graph, scope);
        } else {
          let outputs: Shape[];
          if (code.kind === 'first-state') outputs = [code.output];
          else {
            for (const keys of requiredPaths(code.slice)) reads.required(payload, keys, `the slice ${code.step} reads`);
            outputs = stepOutputs(STEPS[code.step], payload);
          }
          responses = outputs.map((output) => shapeOf({ Payload: output, StatusCode: LEAF }));
        }
      } else template(parameters, effective, reads, 'Parameters');
      for (const response of responses) {
        const result =
          state.ResultSelector !== undefined
            ? template(state.ResultSelector, response, reads, 'ResultSelector')
            : response;
        next(finish(result));
      }
      catches();
      break;
    }
    case 'Choice': {
      let otherwise: Shape | undefined = effective;
      for (const rule of (state.Choices ?? []) as State[]) {
        const taken = condition(rule, effective, reads);
        if (taken !== undefined) edges.push([String(rule.Next), taken]);
        // The default branch runs where no rule held: a field a rule found there is not there, a boolean a rule
        // compared is the other value.
        if (otherwise === undefined) continue;
        if (rule.IsPresent === true) otherwise = absent(otherwise, pathKeys(String(rule.Variable)));
        else if (typeof rule.BooleanEquals === 'boolean') {
          otherwise = equal(otherwise, pathKeys(String(rule.Variable)), !rule.BooleanEquals);
        }
      }
      if (typeof state.Default === 'string' && otherwise !== undefined) edges.push([state.Default, otherwise]);
      break;
    }
    case 'Wait': {
      for (const key of ['SecondsPath', 'TimestampPath'] as const) {
        if (typeof state[key] === 'string') reads.required(effective, pathKeys(state[key]), key);
      }
      next(finish(undefined));
      break;
    }
    case 'Fail': {
      for (const key of ['ErrorPath', 'CausePath'] as const) {
        const path = state[key];
        if (typeof path === 'string') dynamicValue(path, effective, reads, key);
      }
      break;
    }
    case 'Succeed':
      finish(undefined);
      break;
    case 'Map': {
      const itemsPath = typeof state.ItemsPath === 'string' ? state.ItemsPath : '$';
      reads.required(effective, pathKeys(itemsPath), 'ItemsPath');
      const selector = state.ItemSelector ?? state.Parameters;
      // Without a selector, an iteration's input is the item: nothing the states wrote.
      const itemInput = selector !== undefined ? template(selector, effective, reads, 'ItemSelector') : OPAQUE;
      nested.push(...walk((state.ItemProcessor ?? state.Iterator) as Graph, itemInput, context, `${scope}${name} > `));
      next(finish(OPAQUE));
      catches();
      break;
    }
    case 'Parallel': {
      const branchInput =
        state.Parameters !== undefined ? template(state.Parameters, effective, reads, 'Parameters') : effective;
      for (const branch of (state.Branches ?? []) as Graph[]) {
        nested.push(...walk(branch, branchInput, context, `${scope}${name} > `));
      }
      next(finish(OPAQUE));
      catches();
      break;
    }
    default:
      throw new Error(`State ${scope}${name}: type ${String(state.Type)} is not followed by the state-flow walk`);
  }
  return { edges, nested };
}

const COMPARISON_PATH = /Path$/;

/**
 * Checks what a Choice rule reads; returns the shape its branch runs with (`IsPresent: true` makes the field
 * there, an equality makes the fields written on it there), or undefined where the rule cannot hold.
 */
function condition(rule: State, shape: Shape, reads: Reads): Shape | undefined {
  if (Array.isArray(rule.And)) {
    let refined: Shape | undefined = shape;
    for (const inner of rule.And as State[]) {
      if (refined === undefined) break;
      refined = condition(inner, refined, reads);
    }
    return refined;
  }
  if (Array.isArray(rule.Or)) {
    for (const inner of rule.Or as State[]) condition(inner, shape, reads);
    return shape;
  }
  if (rule.Not !== undefined) {
    condition(rule.Not as State, shape, reads);
    return shape;
  }
  const keys = pathKeys(String(rule.Variable));
  if ('IsPresent' in rule) {
    // A test for presence reads nothing that must be there; a field never written makes it always false.
    const { outcome } = follow(shape, keys);
    reads.outcomes.push({ reader: 'Choice IsPresent', path: ['$', ...keys].join('.'), outcome, test: true });
    return rule.IsPresent === true ? present(shape, keys) : absent(shape, keys);
  }
  reads.required(shape, keys, 'Choice');
  for (const [key, value] of Object.entries(rule)) {
    if (COMPARISON_PATH.test(key) && typeof value === 'string' && key !== 'Variable') {
      reads.required(shape, pathKeys(value), `Choice ${key}`);
    }
  }
  const equals = rule.StringEquals ?? rule.BooleanEquals;
  return equals !== undefined ? equal(shape, keys, equals) : shape;
}

/** More shapes than this reaching one state are joined into one (loops would otherwise keep adding). */
const MAX_SHAPES_PER_STATE = 16;

/**
 * Walks one graph (a state machine, a Map's item processor, a Parallel branch) from StartAt with `start` as the
 * first state's input, keeping apart the shapes of the paths that reach each state; returns every read some path
 * does not satisfy, once the shapes have settled (loops included).
 */
export function walk(graph: Graph, start: Shape, context: FlowContext, scope = ''): UnmetRead[] {
  const inputs = new Map<string, Map<string, Shape>>([[graph.StartAt, new Map([[describeShape(start), start]])]]);
  const pending = [graph.StartAt];
  const joined = new Set<string>();
  let rounds = 0;
  while (pending.length > 0) {
    if (++rounds > 20_000) throw new Error(`The state-flow walk of ${scope || 'the state machine'} does not settle`);
    const name = pending.shift() as string;
    const state = graph.States[name];
    if (state === undefined) throw new Error(`${scope}${name} is not a state`);
    for (const input of [...(inputs.get(name)?.values() ?? [])]) {
      for (const [target, shape] of stepState(name, state, input, new Reads(), context, scope, graph).edges) {
        if (add(inputs, target, shape, joined) && !pending.includes(target)) pending.push(target);
      }
    }
  }
  const unmet: UnmetRead[] = [];
  for (const [name, shapes] of inputs) {
    const outcomes = new Map<string, { reader: string; path: string; test: boolean; seen: ReadOutcome[] }>();
    const nested = new Map<string, UnmetRead>();
    for (const input of shapes.values()) {
      const reads = new Reads();
      const step = stepState(name, graph.States[name] as State, input, reads, context, scope, graph);
      for (const read of step.nested) nested.set(JSON.stringify(read), read);
      for (const { reader, path, outcome, test = false } of reads.outcomes) {
        const key = `${reader}\u0000${path}`;
        const entry = outcomes.get(key) ?? { reader, path, test, seen: [] };
        entry.seen.push(outcome);
        outcomes.set(key, entry);
      }
    }
    unmet.push(...nested.values());
    for (const { reader, path, test, seen } of outcomes.values()) {
      const never = seen.every((outcome) => outcome === 'not there');
      if (test ? !never : seen.every((outcome) => outcome === 'there')) continue;
      const problem = never ? 'never written' : 'not written on every path';
      unmet.push({ state: `${scope}${name}`, reader, path, problem });
    }
  }
  return unmet;
}

/** Adds a shape reaching `target`; true when that is news (a shape not seen there before). */
function add(inputs: Map<string, Map<string, Shape>>, target: string, shape: Shape, joined: Set<string>): boolean {
  const shapes = inputs.get(target) ?? new Map<string, Shape>();
  inputs.set(target, shapes);
  const key = describeShape(shape);
  if (shapes.has(key)) return false;
  if (!joined.has(target) && shapes.size < MAX_SHAPES_PER_STATE) {
    shapes.set(key, shape);
    return true;
  }
  // Too many paths meet here: from now on, one shape that holds on all of them.
  joined.add(target);
  const all = [...shapes.values(), shape].reduce((a, b) => join(a, b));
  const allKey = describeShape(all);
  if (shapes.size === 1 && shapes.has(allKey)) return false;
  shapes.clear();
  shapes.set(allKey, all);
  return true;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

/** The shape of a value that satisfies a JSON Schema (a workflow's contract, output side: defaults applied). */
export function shapeOfSchema(schema: JsonSchema, root: JsonSchema = schema, seen = new Set<string>()): Shape {
  if (schema.$ref !== undefined) {
    if (seen.has(schema.$ref)) return OPAQUE;
    const target = root.$defs?.[schema.$ref.replace(/^#\/\$defs\//, '')];
    return target ? shapeOfSchema(target, root, new Set([...seen, schema.$ref])) : OPAQUE;
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) {
    return alternatives.map((alternative) => shapeOfSchema(alternative, root, seen)).reduce((a, b) => join(a, b));
  }
  if (schema.allOf !== undefined) return schema.allOf.map((part) => shapeOfSchema(part, root, seen)).reduce(merge);
  if (schema.properties === undefined) return schema.type === 'object' || schema.type === undefined ? OPAQUE : LEAF;
  const required = new Set(schema.required ?? []);
  const fields = new Map<string, Field>();
  for (const [key, property] of Object.entries(schema.properties)) {
    fields.set(key, { required: required.has(key), shape: shapeOfSchema(property, root, seen) });
  }
  return { opaque: false, fields };
}

/** Both shapes hold (allOf): every field of either, there if either says so. */
function merge(a: Shape, b: Shape): Shape {
  if (a.opaque) return b;
  if (b.opaque) return a;
  const fields = new Map(a.fields);
  for (const [key, field] of b.fields) {
    const other = fields.get(key);
    fields.set(
      key,
      other ? { required: other.required || field.required, shape: merge(other.shape, field.shape) } : field,
    );
  }
  return { opaque: false, fields };
}
