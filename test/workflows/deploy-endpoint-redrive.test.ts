/**
 * DeployEndpoint redriven by another runner (another process: it knows the execution only from the journal in the
 * state directory), with SageMaker as the emulator's core in process (ScriptedSageMaker). An execution aborted
 * while a step runs, once its side effect happened, ends, redriven, where an uninterrupted deployment ends: the
 * same endpoint, config and model, nothing duplicated, the lifecycle event published once. One that failed and
 * rolled back ends in its Fail state again when redriven (Step Functions redrives the unsuccessful state, which is
 * the Fail state), and changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { createLocalRunner, type LocalExecution, type LocalRunner } from '../../local/runner/runner.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import { bindLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { replaceScriptedSageMaker, scriptedSageMakerForEachTest } from './scripted-per-test.ts';

let workflows: SynthesizedWorkflows;
let recordsDir: string;
let aws: ScriptedSageMaker;

beforeAll(async () => {
  workflows = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
  recordsDir = mkdtempSync(join(tmpdir(), 'smwf-redrive-records-'));
});

let unbindStepFunctions: (() => void) | undefined;

afterAll(() => {
  unbindStepFunctions?.();
  rmSync(recordsDir, { recursive: true, force: true });
});

scriptedSageMakerForEachTest((scripted) => {
  aws = scripted;
});

/**
 * A runner as `smwf run` and `smwf redrive` make one: journaling in the state directory, its process's SFN clients
 * answered by it (the steps that complete their own waiting task).
 */
const newRunner = async (): Promise<LocalRunner> => {
  const runner = await createLocalRunner({
    waitTimeMs: 1,
    retryIntervalMs: 0,
    workflows,
    executionRecordsDir: recordsDir,
  });
  unbindStepFunctions?.();
  unbindStepFunctions = bindLocalStepFunctions(runner);
  return runner;
};

const onWait = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

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

/** What a user sees of the deployment: the endpoint, what it serves, every resource, the events published. */
function outcome() {
  const endpoint = aws.endpoint('churn');
  return {
    endpoint: endpoint?.EndpointStatus,
    config: endpoint?.EndpointConfigName,
    configs: aws.endpointConfigNames(),
    models: aws.modelNames(),
    events: aws.publishedEvents().map((e) => e['detail-type']),
  };
}

/** The CreateX calls SageMaker took (a retried or rerun step that creates again shows here). */
const creations = () => ['CreateModel', 'CreateEndpointConfig', 'CreateEndpoint'].map((op) => aws.callsOf(op).length);

describe('DeployEndpoint redriven by another runner', () => {
  it.each(['CreateModel', 'CreateEndpointConfig', 'StartDeployment', 'HealthCheck', 'FinalizeDeployment'])(
    'aborted once %s has run ends as an uninterrupted deployment, with nothing duplicated',
    async (stateName) => {
      // The endpoint takes a minute to come up: StartDeployment's task still waits for it when its function returns.
      aws.script.provisioningSeconds = 60;
      const uninterrupted = await (await newRunner()).start('DeployEndpoint', deployInput('v1'), { onWait }).result;
      const expected = outcome();
      const expectedCreations = creations();
      aws = replaceScriptedSageMaker({ script: { provisioningSeconds: 60 } });

      const first = await newRunner();
      let execution: LocalExecution | undefined;
      execution = first.start('DeployEndpoint', deployInput('v1'), {
        name: `aborted-at-${stateName}`,
        onWait,
        interceptTask: async (task, invoke) => {
          const result = await invoke();
          if (task.stateName === stateName) execution?.abort();
          return result;
        },
      });
      const aborted = await execution.result;
      const second = await newRunner();
      const described = second.describeExecution(execution.arn);
      const redriven = await second.redrive(execution.arn, { onWait }).result;

      expect(uninterrupted.status).toBe('SUCCEEDED');
      expect(aborted.status).toBe('ABORTED');
      expect(described).toMatchObject({ status: 'ABORTED', redriveStatus: 'REDRIVABLE' });
      expect(redriven.status).toBe('SUCCEEDED');
      expect(redriven.events.find((e) => e.type === 'StateEntered')).toMatchObject({ state: { name: stateName } });
      expect(outcome()).toEqual(expected);
      // The step aborted after its call runs again (create-or-reuse); no other creates twice.
      expect(creations().reduce((a, b) => a + b)).toBeLessThanOrEqual(
        expectedCreations.reduce((a, b) => a + b) + (stateName === 'FinalizeDeployment' ? 0 : 1),
      );
      expect(second.describeExecution(execution.arn)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    },
  );

  it('fails again in its Fail state when it failed and rolled back, and changes nothing', async () => {
    aws.setFaults({
      failNth: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({
        operation: 'CreateEndpoint',
        n,
        code: 'ValidationException',
        status: 400,
        message: 'Scripted refusal',
      })),
    });
    const first = await newRunner();
    const execution = first.start('DeployEndpoint', deployInput('v1'), { onWait, name: 'rolled-back' });
    const failed = await execution.result;
    const before = outcome();
    const second = await newRunner();

    const redriven = await second.redrive(execution.arn, { onWait }).result;

    expect(failed).toMatchObject({ status: 'FAILED' });
    expect(redriven).toMatchObject({ status: 'FAILED', error: failed.error, cause: failed.cause });
    expect(redriven.events.filter((e) => e.type === 'StateEntered').map((e) => 'state' in e && e.state?.name)).toEqual([
      'DeploymentFailed',
    ]);
    expect(outcome()).toEqual(before);
  });
});
