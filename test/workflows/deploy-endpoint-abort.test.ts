/**
 * DeployEndpoint aborted at each of its states, then the execution cleanup: the local runner emits the execution's
 * status change, the local trigger engine routes it by the synthesized stack's rule to the cleanup function (run
 * in-process, its calls checked against its synthesized IAM policy), which removes what the execution created and
 * nothing serves. SageMaker is the emulator's core in process (ScriptedSageMaker). A Task state is aborted once its
 * function has run (its side effect done, its result lost), any other state as it is entered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import {
  createLocalRunner,
  type ExecutionResult,
  type LocalExecution,
  type LocalRunner,
} from '../../local/runner/runner.ts';
import { TriggerEngine } from '../../local/triggers/engine.ts';
import { bindLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { replaceScriptedSageMaker, scriptedSageMakerForEachTest } from './scripted-per-test.ts';

let runner: LocalRunner;
let engine: TriggerEngine;
let aws: ScriptedSageMaker;
let stateDir: string;
let cleanupArn: string;
let unbindStepFunctions: () => void;

beforeAll(async () => {
  runner = await createLocalRunner({ waitTimeMs: 1, retryIntervalMs: 0 });
  unbindStepFunctions = bindLocalStepFunctions(runner);
  stateDir = mkdtempSync(join(tmpdir(), 'smwf-abort-'));
  engine = await TriggerEngine.start({ runner, stateDir });
  cleanupArn = [...runner.workflows.functions.values()].find((f) => f.task === 'ExecutionCleanup')?.arn ?? '';
});

afterAll(async () => {
  unbindStepFunctions?.();
  await engine?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

scriptedSageMakerForEachTest((scripted) => {
  aws = scripted;
});

function deployInput(version: string) {
  return {
    endpointName: 'churn',
    modelVersion: version,
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
      modelDataUrl: `s3://models/churn/${version}/model.tar.gz`,
      environment: { MODEL_VERSION: version },
    },
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: { samples: [{ body: '{"x":1}', expectedStatus: 200 }], invocations: 3 },
  };
}

const onWait = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

/** Runs a deployment and aborts it at `stateName` (at its first entry); resolves once the cleanup has run. */
async function deployAbortedAt(version: string, stateName: string): Promise<ExecutionResult> {
  const cleanups = engine.deliveries.filter((d) => d.targetArn === cleanupArn).length;
  let execution: LocalExecution | undefined;
  let aborted = false;
  const abort = () => {
    if (aborted) return;
    aborted = true;
    execution?.abort();
  };
  execution = runner.start('DeployEndpoint', deployInput(version), {
    onWait,
    onEvent: (event) => {
      if (event.type !== 'StateEntered' || event.state.name !== stateName) return;
      const definition = runner.definition('DeployEndpoint') as unknown as {
        States: Record<string, { Type: string }>;
      };
      if (definition.States[stateName]?.Type !== 'Task') abort();
    },
    interceptTask: async (task, invoke) => {
      const result = await invoke();
      if (task.stateName === stateName) abort();
      return result;
    },
  });
  const result = await execution.result;
  if (result.status === 'ABORTED') {
    await until(() => engine.deliveries.filter((d) => d.targetArn === cleanupArn).length > cleanups);
    await engine.idle();
    await aws.runDue();
  }
  return result;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

function statesEntered(result: ExecutionResult): string[] {
  return result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state.name] : []));
}

/** The states an uninterrupted first deployment enters, but its final Succeed state (nothing to abort there). */
async function statesOfADeployment(): Promise<string[]> {
  // A SageMaker of its own (the callers replace it before their first run).
  aws = replaceScriptedSageMaker();
  const result = await runner.start('DeployEndpoint', deployInput('v0'), { onWait }).result;
  expect(result.status).toBe('SUCCEEDED');
  return [...new Set(statesEntered(result))].filter((name) => name !== 'DeploymentSucceeded');
}

/** The configs and models of the endpoints standing (and what they name). */
function served(): { configs: Set<string>; models: Set<string> } {
  const configs = new Set<string>();
  const models = new Set<string>();
  const endpoint = aws.endpoint('churn');
  for (const name of [endpoint?.EndpointConfigName]) {
    if (name === undefined) continue;
    configs.add(name);
    for (const variant of aws.endpointConfig(name)?.ProductionVariants ?? []) models.add(String(variant.ModelName));
  }
  return { configs, models };
}

describe('DeployEndpoint aborted, then the execution cleanup', () => {
  it('leaves no model, endpoint config or endpoint of a first deployment aborted at any of its states', async () => {
    const states = await statesOfADeployment();
    const outcomes: string[] = [];
    for (const state of states) {
      aws = replaceScriptedSageMaker();

      const result = await deployAbortedAt('v1', state);

      const left = {
        endpoint: aws.endpoint('churn')?.EndpointStatus ?? null,
        configs: aws.endpointConfigNames(),
        models: aws.modelNames(),
      };
      outcomes.push(`${state}: ${result.status} ${JSON.stringify(left)}`);
    }

    expect(states.length).toBeGreaterThan(10);
    expect(await engine.deadLetters()).toEqual([]);
    expect(outcomes).toEqual(states.map((state) => `${state}: ABORTED {"endpoint":null,"configs":[],"models":[]}`));
  });

  it('never deletes the endpoint serving before an update aborted at any of its states, and leaves no orphan', async () => {
    const states = await statesOfADeployment();
    const problems: string[] = [];
    for (const state of states) {
      aws = replaceScriptedSageMaker();
      const first = await runner.start('DeployEndpoint', deployInput('v1'), { onWait }).result;
      expect(first.status).toBe('SUCCEEDED');
      // The update comes a minute later (the first deployment's endpoint settled at once: no wait moved the clock).
      onWait(60);
      const before = { configs: aws.endpointConfigNames(), models: aws.modelNames() };

      const result = await deployAbortedAt('v2', state);

      const endpoint = aws.endpoint('churn');
      const { configs, models } = served();
      const orphanConfigs = aws.endpointConfigNames().filter((c) => !configs.has(c) && !before.configs.includes(c));
      const orphanModels = aws.modelNames().filter((m) => !models.has(m) && !before.models.includes(m));
      if (result.status !== 'ABORTED') problems.push(`${state}: ${result.status}`);
      if (endpoint?.EndpointStatus !== 'InService') problems.push(`${state}: endpoint ${endpoint?.EndpointStatus}`);
      if (orphanConfigs.length > 0) problems.push(`${state}: orphan configs ${orphanConfigs.join(', ')}`);
      if (orphanModels.length > 0) problems.push(`${state}: orphan models ${orphanModels.join(', ')}`);
    }

    expect(problems).toEqual([]);
    expect(await engine.deadLetters()).toEqual([]);
  });

  it('leaves what a succeeded deployment created', async () => {
    const result = await runner.start('DeployEndpoint', deployInput('v1'), { onWait }).result;
    await engine.idle();

    expect(result.status).toBe('SUCCEEDED');
    expect(aws.endpoint('churn')?.EndpointStatus).toBe('InService');
    expect(aws.endpointConfigNames()).toHaveLength(1);
    expect(aws.modelNames()).toHaveLength(1);
  });
});
