/**
 * Which granted actions the local runs exercised: every process that checks calls appends the actions each step was
 * allowed to a file of its own in one folder (SMWF_PERMISSION_USAGE_DIR, enforcement.ts), so runs in parallel
 * workers add up; comparing them with each step's role policy lists the grants no run used.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionPatternCovers } from '../../emulator/iam/policy.ts';
import type { SynthesizedWorkflows } from '../synthesize.ts';

/**
 * Grants of every function that its code never calls: Lambda's runtime writes the function's logs and X-Ray traces
 * with the role (Lambda Developer Guide, "Lambda execution role").
 */
const LAMBDA_RUNTIME_ACTIONS: readonly string[] = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
];

/** The actions each task was allowed, from every usage file in `dir`. */
export function readPermissionUsage(dir: string): Map<string, Set<string>> {
  const usage = new Map<string, Set<string>>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return usage;
  }
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const { task, action } = JSON.parse(line) as { task: string; action: string };
      let actions = usage.get(task);
      if (actions === undefined) {
        actions = new Set();
        usage.set(task, actions);
      }
      actions.add(action);
    }
  }
  return usage;
}

/** A grant of a step's role that no local run used. */
interface UnexercisedGrant {
  readonly task: string;
  readonly action: string;
}

/** Each task's granted actions (as its policy writes them) that no recorded call used, Lambda's own left out. */
export function unexercisedGrants(
  workflows: SynthesizedWorkflows,
  usage: ReadonlyMap<string, ReadonlySet<string>>,
): UnexercisedGrant[] {
  const found = new Map<string, UnexercisedGrant>();
  for (const fn of workflows.functions.values()) {
    const role = fn.roleArn === undefined ? undefined : workflows.roles[fn.roleArn];
    if (role === undefined) continue;
    const used = [...(usage.get(fn.task) ?? [])];
    for (const statement of role.statements) {
      if (statement.Effect !== 'Allow') continue;
      const actions = statement.Action === undefined ? [] : [statement.Action].flat();
      for (const action of actions) {
        if (LAMBDA_RUNTIME_ACTIONS.includes(action)) continue;
        if (used.some((u) => actionPatternCovers(action, u))) continue;
        found.set(`${fn.task}\0${action}`, { task: fn.task, action });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.task.localeCompare(b.task) || a.action.localeCompare(b.action));
}
