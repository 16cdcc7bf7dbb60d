/**
 * The endpoint lease in every synthesized state machine that changes an endpoint: no step that changes the
 * endpoint (or creates what it will serve) is reachable without passing the lease's "acquired" branch, every end
 * reached after it passes a release, and no workflow that takes a lease may outlive it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_HOURS } from '../../contracts/endpoint-lease.ts';
import { allStates } from '../../local/runner/runner.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import { EndpointLeaseStates } from '../../workflows/endpoint-lease.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';

/** Steps that change an endpoint or what it serves (its model and config, its autoscaling, its models' prefix). */
const CHANGING_STEPS = new Set([
  'CreateModel',
  'CreateEndpointConfig',
  'RecordAutoScaling',
  'SuspendAutoScaling',
  'StartDeployment',
  'PlaceModel',
  'DeleteModelArtifact',
  'ApplyAutoScaling',
  'FinalizeDeployment',
  'EnsureComponentEndpoint',
  'RecordComponentAutoScaling',
  'SuspendComponentAutoScaling',
  'StartComponentDeployment',
  'ApplyComponentAutoScaling',
  'StartComponentRemoval',
]);

type State = Record<string, unknown>;

let synthesized: SynthesizedWorkflows;

beforeAll(async () => {
  synthesized = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
});

/** The step a Task state invokes (the `sagemaker-workflows:task` tag of its function). */
function stepOf(state: State): string | undefined {
  if (state.Type !== 'Task') return undefined;
  const functionArn = String(
    (state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName ?? state.Resource,
  );
  return synthesized.functions.get(functionArn)?.task;
}

/** The states a state may go to next, except those `blocked` says to leave out. */
function successors(name: string, state: State, blocked: (from: string, to: string) => boolean): string[] {
  const next = [
    state.Next,
    state.Default,
    ...((state.Choices as { Next?: string }[] | undefined) ?? []).map((c) => c.Next),
    ...((state.Catch as { Next?: string }[] | undefined) ?? []).map((c) => c.Next),
  ].filter((n): n is string => typeof n === 'string');
  return next.filter((to) => !blocked(name, to));
}

/** Every state reachable from `from` without taking a blocked transition (top level; Map iterations are entered by their state). */
function reachable(definition: State, from: string, blocked: (from: string, to: string) => boolean): Set<string> {
  const states = definition.States as Record<string, State>;
  const seen = new Set<string>([from]);
  const queue = [from];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    for (const to of successors(name, states[name] ?? {}, blocked)) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

/** Where a state machine goes once it holds the lease: the "acquired" branch of IsEndpointLeaseAcquired. */
function whenAcquiredOf(definition: State): string {
  const states = definition.States as Record<string, State>;
  const choices = (states[EndpointLeaseStates.IsEndpointLeaseAcquired]?.Choices ?? []) as { Next?: string }[];
  const next = choices[0]?.Next;
  if (next === undefined) throw new Error('no IsEndpointLeaseAcquired choice');
  return next;
}

/** The steps a state runs, itself or in its Map or Parallel iterations. */
function stepsIn(state: State): string[] {
  return [state, ...nested(state)].flatMap((s) => {
    const step = stepOf(s);
    return step ? [step] : [];
  });
}

function nested(state: State): State[] {
  const processor = (state.ItemProcessor ?? state.Iterator) as { States?: Record<string, State> } | undefined;
  return processor?.States ? allStates(processor).map(([, s]) => s) : [];
}

/**
 * Workflows whose endpoints are throwaways of their own execution, named after its ARN (RightSizeEndpoint's
 * candidates, workflows/right-size-endpoint/plan.ts), which no other run deploys: nothing to serialize.
 */
const OWN_THROWAWAYS_ONLY: readonly string[] = ['RightSizeEndpoint'];

const changingWorkflows = () =>
  WORKFLOWS.filter((w) => {
    if (OWN_THROWAWAYS_ONLY.includes(w.name)) return false;
    const definition = synthesized.definitions[w.name] as State;
    return allStates(definition as { States?: unknown }).some(([, s]) =>
      [
        'StartDeployment',
        'PlaceModel',
        'DeleteModelArtifact',
        'StartComponentDeployment',
        'StartComponentRemoval',
      ].includes(stepOf(s) ?? ''),
    );
  }).map((w) => w.name);

describe('the endpoint lease', () => {
  it('is taken by every workflow that changes an endpoint', () => {
    expect(changingWorkflows().sort()).toEqual(
      [
        'AddModelToMultiModelEndpoint',
        'DeployApprovedModelPackage',
        'DeployEndpoint',
        'DeployInferenceComponent',
        'DeployMultiContainerEndpoint',
        'DeployMultiModelEndpoint',
        'DeploySerialPipeline',
        'RemoveInferenceComponent',
        'RemoveModelFromMultiModelEndpoint',
      ].sort(),
    );
    for (const workflow of changingWorkflows()) {
      const states = (synthesized.definitions[workflow] as State).States as Record<string, State>;
      expect(states[EndpointLeaseStates.AcquireEndpointLease], workflow).toBeDefined();
    }
  });

  it('is held before any step that changes the endpoint can run', () => {
    for (const workflow of changingWorkflows()) {
      const definition = synthesized.definitions[workflow] as State;
      const whenAcquired = whenAcquiredOf(definition);
      // Leave the "acquired" branch out: what is still reachable runs without the lease.
      const unleased = reachable(
        definition,
        String(definition.StartAt),
        (from, to) => from === EndpointLeaseStates.IsEndpointLeaseAcquired && to === whenAcquired,
      );
      const states = definition.States as Record<string, State>;
      const changing = [...unleased].filter((name) => stepsIn(states[name] ?? {}).some((s) => CHANGING_STEPS.has(s)));
      expect(changing, `${workflow} runs these without the lease`).toEqual([]);
    }
  });

  it('is released on every way to an end once taken', () => {
    for (const workflow of changingWorkflows()) {
      const definition = synthesized.definitions[workflow] as State;
      const states = definition.States as Record<string, State>;
      const whenAcquired = whenAcquiredOf(definition);
      // Stop at every release: what is still reachable may end without one.
      const unreleased = reachable(
        definition,
        whenAcquired,
        (from) => stepOf(states[from] ?? {}) === 'ReleaseEndpointLease',
      );
      const ends = [...unreleased].filter((name) => ['Succeed', 'Fail'].includes(String(states[name]?.Type)));
      expect(ends, `${workflow} ends here holding the lease`).toEqual([]);
    }
  });

  it('outlasts every workflow that takes it: no execution runs past its lease expiry', () => {
    for (const workflow of WORKFLOWS.filter((w) => changingWorkflows().includes(w.name))) {
      expect(workflow.timeout.toHours(), workflow.name).toBeLessThanOrEqual(LEASE_TTL_HOURS);
    }
  });
});
