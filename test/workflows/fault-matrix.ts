/**
 * The fault matrix's parts: which Task states a definition has and what their Retry and Catch cover, the faults put
 * around a step through the runner's `interceptTask`, what a user sees of the resources after a run (to compare a
 * faulted run with an uninterrupted one), and the printed table. The scenarios themselves are in
 * fault-matrix-suite.ts (in process) and test/e2e/fault-matrix-emulator-killed.test.ts (a real emulator process).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeEndpointCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListInferenceComponentsCommand,
  ListModelsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { projectRoot } from '../../infra/project-root.ts';
import { LambdaFunctionError } from '../../local/runner/lambda-invoke.ts';
import { allStates, type ExecutionResult, type StartOptions } from '../../local/runner/runner.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';

/** The three faults of the matrix (issue 22 §2). */
export const FAULTS = {
  lostResult: 'a. lost result',
  failedThenRedriven: 'b. failed, redriven',
  emulatorKilled: 'c. emulator killed',
} as const;

export type Fault = (typeof FAULTS)[keyof typeof FAULTS];

/** What the runner calls around each invocation of a Task state's function. */
export type TaskInterceptor = NonNullable<StartOptions['interceptTask']>;

/**
 * What Step Functions reports when a Lambda invocation's result is lost after the function ran: the client side of the
 * invocation timed out (Step Functions' best practices list it among the Lambda service errors to retry).
 */
export const LOST_RESULT_ERROR = 'Lambda.ClientExecutionTimeoutException';

type StateJson = Record<string, unknown>;
type Matcher = { ErrorEquals?: string[]; Next?: string };

/** Whether a Retry or Catch entry matches `error` (a task failure, not a timeout), as Step Functions matches it. */
function matches(entry: Matcher, error: string): boolean {
  const names = entry.ErrorEquals ?? [];
  return names.includes(error) || names.includes('States.ALL') || names.includes('States.TaskFailed');
}

/** A Task state of a definition, with what its Retry and Catch do with the matrix's injected error. */
export interface TaskState {
  readonly name: string;
  /** Whether its Retry retries the injected error. */
  readonly retried: boolean;
  /** The state its Catch goes to on the injected error, if any. */
  readonly caughtTo: string | undefined;
}

/** Every Task state of a definition (inside Map and Parallel states too), in definition order. */
export function taskStates(definition: { States?: unknown }, error = LOST_RESULT_ERROR): TaskState[] {
  return allStates(definition)
    .filter(([, state]) => state.Type === 'Task')
    .map(([name, state]) => ({
      name,
      retried: ((state.Retry ?? []) as Matcher[]).some((r) => matches(r, error)),
      caughtTo: ((state.Catch ?? []) as Matcher[]).find((c) => matches(c, error))?.Next,
    }));
}

/** The type of each state of a definition, by name. */
export function stateTypes(definition: { States?: unknown }): Map<string, string> {
  return new Map(allStates(definition).map(([name, state]) => [name, String((state as StateJson).Type)]));
}

/** The names of the states an execution entered, in order. */
export function statesEntered(result: ExecutionResult): string[] {
  return result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state.name] : []));
}

/** The invocation error Step Functions would see, as the runner reports a failed Lambda invocation. */
function lambdaServiceError(message: string): LambdaFunctionError {
  return new LambdaFunctionError(
    LOST_RESULT_ERROR,
    JSON.stringify({ errorType: LOST_RESULT_ERROR, errorMessage: message, trace: [] }),
  );
}

/**
 * Fault a: the first invocation of `stateName` runs to its end (its side effect happens), then its result is lost, as
 * Step Functions loses it when the invocation times out on the client side. Counts the faults put in `fired`.
 */
export function loseFirstResult(stateName: string, fired: { count: number }): TaskInterceptor {
  return async (task, invoke) => {
    const result = await invoke();
    if (task.stateName === stateName && task.attempt === 1) {
      fired.count += 1;
      throw lambdaServiceError(`fault matrix: the result of ${stateName} was lost after the function ran`);
    }
    return result;
  };
}

/**
 * Fault b: every invocation of `stateName` runs to its end and then fails as in fault a, so the state fails past its
 * retries (each retry's side effect happens too). Counts the faults put in `fired`.
 */
export function failEveryResult(stateName: string, fired: { count: number }): TaskInterceptor {
  return async (task, invoke) => {
    const result = await invoke();
    if (task.stateName === stateName) {
      fired.count += 1;
      throw lambdaServiceError(`fault matrix: ${stateName} failed (attempt ${task.attempt})`);
    }
    return result;
  };
}

/** What a user sees of SageMaker, Application Auto Scaling, S3 and the event bus after a run. */
export interface Observation {
  /** Each endpoint: its status and the config it serves. */
  readonly endpoints: Record<string, string>;
  readonly endpointConfigs: string[];
  readonly models: string[];
  /** Each inference component: its status and copy count. */
  readonly inferenceComponents: Record<string, string>;
  /** Scalable targets (resource, min-max) and their policies. */
  readonly autoScaling: string[];
  /** S3 objects (`bucket/key`) under the project's prefixes. */
  readonly objects: string[];
  /** Lifecycle events, each as `detail-type` (the execution that published it is the key consumers dedupe on). */
  readonly events: string[];
}

/** A lifecycle event as the emulator logs it. */
export interface LoggedEvent {
  readonly 'detail-type': string;
  readonly source: string;
  readonly detail: unknown;
}

/** Reads everything an Observation holds with the SDK clients of this process (pointed at a double or an emulator). */
export async function observe(sources: {
  objects: () => Promise<string[]> | string[];
  events: () => Promise<readonly LoggedEvent[]> | readonly LoggedEvent[];
}): Promise<Observation> {
  const sagemaker = new SageMakerClient({});
  const autoScaling = new ApplicationAutoScalingClient({});
  const endpoints: Record<string, string> = {};
  for (const summary of (await sagemaker.send(new ListEndpointsCommand({ MaxResults: 100 }))).Endpoints ?? []) {
    const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: summary.EndpointName }));
    endpoints[String(summary.EndpointName)] = `${endpoint.EndpointStatus} ${endpoint.EndpointConfigName}`;
  }
  const configs = await sagemaker.send(new ListEndpointConfigsCommand({ MaxResults: 100 }));
  const models = await sagemaker.send(new ListModelsCommand({ MaxResults: 100 }));
  const components = await sagemaker.send(new ListInferenceComponentsCommand({ MaxResults: 100 }));
  const targets = await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
  const policies = await autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker' }));
  const events = (await sources.events()).filter((e) => !e.source.startsWith('aws.'));
  return {
    endpoints,
    endpointConfigs: (configs.EndpointConfigs ?? []).map((c) => String(c.EndpointConfigName)).sort(),
    models: (models.Models ?? []).map((m) => String(m.ModelName)).sort(),
    inferenceComponents: Object.fromEntries(
      (components.InferenceComponents ?? []).map((c) => [
        String(c.InferenceComponentName),
        String(c.InferenceComponentStatus),
      ]),
    ),
    autoScaling: [
      ...(targets.ScalableTargets ?? []).map((t) => `target ${t.ResourceId} ${t.MinCapacity}-${t.MaxCapacity}`),
      ...(policies.ScalingPolicies ?? []).map((p) => `policy ${p.ResourceId} ${p.PolicyName}`),
    ].sort(),
    objects: [...(await sources.objects())].sort(),
    events: events.map((e) => e['detail-type']),
  };
}

/** The lifecycle events logged more than once for one execution (each `detail-type detail.execution` key once). */
export function duplicateEvents(events: readonly LoggedEvent[]): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const event of events.filter((e) => !e.source.startsWith('aws.'))) {
    const key = `${event['detail-type']} ${(event.detail as { execution?: string }).execution ?? ''}`;
    if (seen.has(key)) duplicates.push(event['detail-type']);
    seen.add(key);
  }
  return duplicates;
}

/** The differences between two observations, one line per member that differs ([] when they are the same). */
export function differences(expected: Observation, actual: Observation, ignoreEvents = false): string[] {
  const lines: string[] = [];
  for (const member of Object.keys(expected) as (keyof Observation)[]) {
    if (ignoreEvents && member === 'events') continue;
    const want = JSON.stringify(member === 'events' ? [...new Set(expected[member])] : expected[member]);
    const got = JSON.stringify(member === 'events' ? [...new Set(actual[member])] : actual[member]);
    if (want !== got) lines.push(`${member}: expected ${want}, got ${got}`);
  }
  return lines;
}

/**
 * What a documented end state leaves: what there was before the run, what an uninterrupted run leaves, what there
 * was before the run and the outputs its work wrote (as an uninterrupted run writes them), or (a rollback that failed
 * itself) what the rollback had not undone, for a human to see to.
 */
export type Left = 'before' | 'done' | 'outputs' | 'partial';

/**
 * The end states the README's "What happens when" table documents, as `Workflow State` -> what they leave (its
 * "What is left" cell starts with "what there was before the run" or "what an uninterrupted run leaves"). An end
 * state may leave one or the other depending on the step that failed (RemoveInferenceComponent's `RemoveFailed`:
 * before the removal started, or after): the table then has a row for each, naming the steps.
 */
export function documentedEndStates(): Map<string, Set<Left>> {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const section = readme.split('#### What happens when')[1]?.split('\n#')[0] ?? '';
  const documented = new Map<string, Set<Left>>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const named = cells[1] === 'every workflow' ? WORKFLOWS.map((w) => w.name as string) : (cells[1] ?? '').split(',');
    const ends = [...(cells[3] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);
    const left = /^what there was before the run, and the (job|test)'s outputs/.test(cells[4] ?? '')
      ? 'outputs'
      : cells[4]?.startsWith('what there was before the run')
        ? 'before'
        : cells[4]?.startsWith('what an uninterrupted run leaves')
          ? 'done'
          : cells[4]?.startsWith('what the rollback had not undone')
            ? 'partial'
            : undefined;
    if (left === undefined) continue;
    for (const workflow of named.map((w) => w.trim().replace(/`/g, ''))) {
      for (const end of ends) {
        const key = `${workflow} ${end}`;
        documented.set(key, new Set([...(documented.get(key) ?? []), left]));
      }
    }
  }
  return documented;
}

/** How one scenario ended. */
export type Outcome =
  /** Ends where an uninterrupted run ends: same resources, nothing orphaned, events deduplicated by key. */
  | { readonly kind: 'converged'; readonly how: string; readonly duplicates: number }
  /** Ends in a state the README's "what happens when" table documents, with nothing orphaned. */
  | { readonly kind: 'documented'; readonly how: string; readonly duplicates: number }
  /** Leaves an orphan the matrix found and the suite lists as an open gap (KNOWN_GAPS), until it is fixed. */
  | { readonly kind: 'known gap'; readonly how: string }
  /** The fault never fired: the state was not entered on the way (it is on a path the run did not take). */
  | { readonly kind: 'not reached'; readonly how: string }
  /** Anything else: a failure of the matrix. */
  | { readonly kind: 'diverged'; readonly how: string };

/** One row of the printed table. */
export interface MatrixRow {
  readonly workflow: string;
  readonly state: string;
  readonly fault: Fault;
  readonly outcome: Outcome;
}

/** The table of every scenario and its totals, as the suite prints it. */
export function matrixTable(rows: readonly MatrixRow[], title: string): string {
  const header = ['workflow', 'state', 'fault', 'outcome'];
  const cells = rows.map((r) => [
    r.workflow,
    r.state,
    r.fault,
    `${r.outcome.kind}: ${r.outcome.how}${'duplicates' in r.outcome && r.outcome.duplicates > 0 ? ` (${r.outcome.duplicates} event(s) again, same key)` : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i] as number)).join(' | ');
  const count = (kind: Outcome['kind']) => rows.filter((r) => r.outcome.kind === kind).length;
  const faulted = rows.length - count('not reached');
  return [
    title,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...cells.map(line),
    `totals: ${rows.length} scenarios; ${faulted} faulted: ${count('converged')} converged, ${count('documented')} ` +
      `in their documented state, ${count('known gap')} known gaps (orphans found, open), ${count('diverged')} ` +
      `diverged; ${count('not reached')} not reached by the example's run`,
  ].join('\n');
}
