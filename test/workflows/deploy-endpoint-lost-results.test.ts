/**
 * DeployEndpoint when a step that creates something fails past its retries after its call went through (each
 * attempt's result lost, as a Lambda timeout loses it): the state never records what the step created, and the
 * rollback finds it by the execution cleanup's rule (tasks/_shared/execution-leftovers.ts): it carries the execution's
 * tag and was created after the execution started. SageMaker is the emulator's core in process (ScriptedSageMaker)
 * with the real handlers in the local runner. What existed before the run stays, even when it carries a tag with the
 * same execution name (an earlier execution of that name) or serves another endpoint.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { createLocalRunner, type LocalRunner } from '../../local/runner/runner.ts';
import { loadSynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import { bindLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import { failEveryResult, statesEntered } from './fault-matrix.ts';
import { scriptedSageMakerForEachTest } from './scripted-per-test.ts';

let runner: LocalRunner;
let aws: ScriptedSageMaker;
let unbindStepFunctions: () => void;

beforeAll(async () => {
  const workflows = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
  runner = await createLocalRunner({ waitTimeMs: 0, retryIntervalMs: 0, workflows });
  // The steps that complete their own waiting task reach Step Functions' API: the runner answers it.
  unbindStepFunctions = bindLocalStepFunctions(runner);
});

afterAll(() => {
  unbindStepFunctions();
  vi.useRealTimers();
});

scriptedSageMakerForEachTest((scripted) => {
  aws = scripted;
});

const onWait = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1';

const input = {
  endpointName: 'churn',
  modelVersion: 'v1',
  model: { image: IMAGE, modelDataUrl: 's3://models/churn/v1/model.tar.gz' },
  variants: [{ instanceType: 'ml.m5.large' }],
  healthCheck: { samples: [{ body: '{"x":1}', expectedStatus: 200 }], invocations: 3 },
};

/** What stands before the run: another endpoint serving its config and model, and a model of an earlier execution. */
function existingResources(execution: string): void {
  const anHourAgo = Date.now() / 1000 - 3600;
  const sameName = [{ Key: TagKeys.execution, Value: execution }];
  aws.putModel({
    ModelName: 'earlier-model',
    PrimaryContainer: { Image: IMAGE },
    Tags: sameName,
    CreationTime: anHourAgo,
  });
  aws.putModel({ ModelName: 'other-model', PrimaryContainer: { Image: IMAGE }, CreationTime: anHourAgo });
  aws.putEndpointConfig({
    EndpointConfigName: 'other-config',
    ProductionVariants: [
      { VariantName: 'AllTraffic', ModelName: 'other-model', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
    ],
    CreationTime: anHourAgo,
  });
  aws.putEndpoint({ EndpointName: 'other', EndpointConfigName: 'other-config', EndpointStatus: 'InService' });
}

describe('DeployEndpoint, a creating step whose every result is lost', () => {
  // StartDeployment waits for its task token, which the step completes itself: a lost invocation result does not
  // fail it (the fault matrix shows it converging); StartRollback's unit tests cover an endpoint it left unrecorded.
  it.each(['CreateModel', 'CreateEndpointConfig'])(
    'fails at %s and rolls back what the step created, leaving what stood before',
    async (stateName) => {
      const execution = `deploy-churn-lost-${stateName}`;
      existingResources(execution);
      const fired = { count: 0 };

      const result = await runner.start('DeployEndpoint', input, {
        name: execution,
        onWait,
        interceptTask: failEveryResult(stateName, fired),
      }).result;

      expect(fired.count).toBeGreaterThan(1);
      expect(result.status).toBe('FAILED');
      expect(statesEntered(result).at(-1)).toBe('DeploymentFailed');
      expect(statesEntered(result)).toContain('CompleteRollback');
      expect(aws.endpoint('churn')).toBeUndefined();
      expect(aws.endpointConfigNames()).toEqual(['other-config']);
      expect(aws.modelNames().sort()).toEqual(['earlier-model', 'other-model']);
      expect(aws.endpoint('other')?.EndpointStatus).toBe('InService');
    },
  );
});
