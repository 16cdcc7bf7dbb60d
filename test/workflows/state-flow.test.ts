/**
 * Every synthesized state machine reads only fields that every path to the reading state has written: the walk of
 * test/workflows/state-flow.ts over each definition, with each step's slice (what its handler checks) and what
 * contracts/steps.ts declares it writes. The second half misplaces a field in a copy of a real definition and
 * expects the walk to name the state, the reader and the path.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as zc from 'zod/v4/core';
import { STEPS, type TaskName } from '../../contracts/steps.ts';
import { projectRoot } from '../../infra/project-root.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import type { StepHandler } from '../../tasks/_shared/handler.ts';
import type { WorkflowDefinition } from '../../workflows/workflow.ts';
import { WORKFLOWS } from '../../workflows/workflows.ts';
import { type FlowContext, OPAQUE, shapeOf, shapeOfSchema, type TaskCode, type UnmetRead, walk } from './state-flow.ts';

type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };

let synthesized: SynthesizedWorkflows;
/** Each step's handler, by its code path, loaded once. */
const handlers = new Map<string, StepHandler<unknown, unknown>>();
/** What each workflow's first state returns for the workflow's example input, by workflow name. */
const firstStates = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  synthesized = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
  const codes = new Set([...synthesized.functions.values()].map((fn) => fn.code));
  for (const code of codes) {
    if (!code.startsWith('tasks/')) continue;
    const module = (await import(join(projectRoot, code))) as { handler: StepHandler<unknown, unknown> };
    handlers.set(code, module.handler);
  }
  for (const workflow of WORKFLOWS) {
    const module = (await import(join(projectRoot, workflow.folder, 'validate-input.ts'))) as {
      handler: (event: unknown) => Promise<Record<string, unknown>>;
    };
    const execution = { id: `arn:aws:states:::execution:${workflow.name}:flow`, name: 'flow', startedAt: NOW };
    firstStates.set(workflow.name, await module.handler({ input: workflow.example, execution }));
  }
}, 60_000);

const NOW = '2026-12-06T18:00:00.000Z';

/**
 * What the walk knows of the stack, for the workflow `workflow`'s definition. The first state writes the request
 * (as its contract says, defaults applied) and the execution, and whatever else it returns for the example input
 * (RightSizeEndpoint's plan); those other fields are followed no further.
 */
function contextFor(workflow: WorkflowDefinition): FlowContext {
  const request = shapeOfSchema(zc.toJSONSchema(workflow.input, { io: 'output', unrepresentable: 'any' }) as object);
  const firstState = firstStates.get(workflow.name) ?? {};
  const others = Object.fromEntries(Object.keys(firstState).map((key) => [key, OPAQUE]));
  const firstStateOutput = shapeOf({ ...others, request, execution: OPAQUE });
  return {
    codeOf(functionArn): TaskCode | undefined {
      const fn = synthesized.functions.get(functionArn);
      if (fn === undefined) return undefined;
      if (fn.code === `${workflow.folder}/validate-input.ts`) return { kind: 'first-state', output: firstStateOutput };
      const handler = handlers.get(fn.code);
      if (handler === undefined) throw new Error(`${fn.code} is not a step's handler`);
      const step = fn.task as TaskName;
      // The fallback poll reads no state document: its payload, the wait it continues, is the definition's.
      if (STEPS[step].returns === 'continues-wait') return { kind: 'step', step, slice: {} };
      return { kind: 'step', step, slice: handler.slice.fields };
    },
  };
}

function unmetReads(workflow: WorkflowDefinition, definition: Definition): UnmetRead[] {
  return walk(definition, OPAQUE, contextFor(workflow));
}

/** A copy of the synthesized definition of `name`, to misplace a field in. */
function definitionCopy(name: string): Definition {
  return structuredClone(synthesized.definitions[name]) as Definition;
}

function workflowNamed(name: string): WorkflowDefinition {
  const workflow = WORKFLOWS.find((w) => w.name === name);
  if (workflow === undefined) throw new Error(`No workflow ${name}`);
  return workflow;
}

describe.each(WORKFLOWS.map((w) => w.name))('the synthesized %s definition', (name) => {
  it('reads only fields that every path to the reading state has written', () => {
    const workflow = workflowNamed(name);
    expect(unmetReads(workflow, synthesized.definitions[name] as Definition)).toEqual([]);
  });
});

describe('the state-flow walk', () => {
  const deployEndpoint = workflowNamed('DeployEndpoint');

  it("names a step wired before the step that writes what it reads: StartDeployment reads the config's name", () => {
    const definition = definitionCopy('DeployEndpoint');
    // CreateEndpointConfig skipped: StartDeployment runs on the model alone.
    (definition.States.CreateModel as { Next: string }).Next = 'StartDeployment';

    expect(unmetReads(deployEndpoint, definition)).toContainEqual({
      state: 'StartDeployment',
      reader: 'the slice StartDeployment reads',
      path: '$.endpointConfig',
      problem: 'never written',
    });
  });

  it('names a field some paths do not write: JudgeAsyncResults run after every health check', () => {
    const definition = definitionCopy('DeployEndpoint');
    // HealthCheck writes asyncHealthCheck for an asynchronous endpoint only; IsAsyncCheckPending skipped.
    (definition.States.HealthCheck as { Next: string }).Next = 'JudgeAsyncResults';

    expect(unmetReads(deployEndpoint, definition)).toContainEqual({
      state: 'JudgeAsyncResults',
      reader: 'the slice JudgeAsyncResults reads',
      path: '$.asyncHealthCheck',
      problem: 'not written on every path',
    });
  });

  it("names a Parameters path outside the workflow's contract", () => {
    const definition = definitionCopy('DeployEndpoint');
    const lease = definition.States.ChooseEndpointLease as { Parameters: Record<string, unknown> };
    lease.Parameters['waitMinutes.$'] = '$.request.leas.waitMinutes';

    expect(unmetReads(deployEndpoint, definition)).toEqual([
      {
        state: 'ChooseEndpointLease',
        reader: 'Parameters',
        path: '$.request.leas.waitMinutes',
        problem: 'never written',
      },
    ]);
  });

  it('names a Choice variable no state writes', () => {
    const definition = definitionCopy('DeployEndpoint');
    const deleted = definition.States.IsEndpointDeleted as { Choices: { Variable: string }[] };
    (deleted.Choices[0] as { Variable: string }).Variable = '$.endpointStatuss.settled';

    expect(unmetReads(deployEndpoint, definition)).toEqual([
      { state: 'IsEndpointDeleted', reader: 'Choice', path: '$.endpointStatuss.settled', problem: 'never written' },
    ]);
  });

  it("reads a waiting step's slice from its payload's state, and knows what its wait completes with", () => {
    // As synthesized, IsEndpointDeleting reads the status only StartRollback's wait completes with: no finding.
    expect(unmetReads(deployEndpoint, definitionCopy('DeployEndpoint'))).toEqual([]);

    const definition = definitionCopy('DeployEndpoint');
    const start = definition.States.StartDeployment as { Parameters: { Payload: Record<string, string> } };
    start.Parameters.Payload['state.$'] = '$.request';

    expect(unmetReads(deployEndpoint, definition)).toContainEqual({
      state: 'StartDeployment',
      reader: 'the slice StartDeployment reads',
      path: '$.endpointConfig',
      problem: 'never written',
    });
  });

  it('names a test for presence that can never hold: the field is written on no path', () => {
    const definition = definitionCopy('DeployEndpoint');
    const packaging = definition.States.IsPackagingRequested as { Choices: { Variable: string }[] };
    (packaging.Choices[0] as { Variable: string }).Variable = '$.request.model.pakage';

    expect(unmetReads(deployEndpoint, definition)).toContainEqual({
      state: 'IsPackagingRequested',
      reader: 'Choice IsPresent',
      path: '$.request.model.pakage',
      problem: 'never written',
    });
  });

  it("follows a Map's items into its scope: a worker's slice is read from the ItemSelector", () => {
    const definition = definitionCopy('LoadTestEndpoint');
    const map = definition.States.GenerateLoadInline as { ItemSelector: Record<string, unknown> };
    delete map.ItemSelector['resultsPrefix.$'];

    expect(unmetReads(workflowNamed('LoadTestEndpoint'), definition)).toEqual([
      {
        state: 'GenerateLoadInline > GenerateLoad',
        reader: 'the slice GenerateLoad reads',
        path: '$.resultsPrefix',
        problem: 'never written',
      },
    ]);
  });

  it('accepts a read of a field one branch writes once a Choice has tested that it is there', () => {
    const definition = definitionCopy('DeployEndpoint');
    // As synthesized: JudgeAsyncResults runs only where IsAsyncCheckPending found asyncHealthCheck.
    expect((definition.States.IsAsyncCheckPending as { Choices: unknown[] }).Choices).toEqual([
      { Variable: '$.asyncHealthCheck', IsPresent: true, Next: 'JudgeAsyncResults' },
    ]);
    expect(unmetReads(deployEndpoint, definition)).toEqual([]);
  });
});
