/**
 * DeployEndpoint through the synthesized definition: the local runner runs every state with the real
 * handlers; SageMaker, the runtime and EventBridge are the emulator's core in process (ScriptedSageMaker),
 * with scripted fleets. Wait states advance a fake clock (time-skipping), so a 10-minute provisioning takes
 * milliseconds.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { createLocalRunner, type ExecutionResult, type LocalRunner } from '../../local/runner/runner.ts';
import { bindLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { DeployEndpointStates as S } from '../../workflows/deploy-endpoint/definition.ts';
import { scriptedSageMakerForEachTest } from './scripted-per-test.ts';

let runner: LocalRunner;
let aws: ScriptedSageMaker;
let unbindStepFunctions: () => void;

beforeAll(async () => {
  runner = await createLocalRunner({ waitTimeMs: 1, retryIntervalMs: 0 });
  unbindStepFunctions = bindLocalStepFunctions(runner);
});

scriptedSageMakerForEachTest((scripted) => {
  aws = scripted;
});

afterAll(() => {
  unbindStepFunctions?.();
  vi.useRealTimers();
});

function deployInput(version: string, overrides: Record<string, unknown> = {}) {
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
    ...overrides,
  };
}

async function deploy(input: unknown, name?: string): Promise<ExecutionResult> {
  const execution = runner.start('DeployEndpoint', input, {
    ...(name ? { name } : {}),
    onWait: (seconds) => vi.setSystemTime(Date.now() + seconds * 1000),
  });
  return execution.result;
}

function statesEntered(result: ExecutionResult): string[] {
  return result.events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state.name] : []));
}

function servingModel(endpoint = 'churn'): string | undefined {
  return servingModelOf(aws.endpoint(endpoint)?.EndpointConfigName);
}

/** The names of the events the workflow published, in order. */
function published(): string[] {
  return aws.publishedEvents().map((e) => e['detail-type']);
}

describe('DeployEndpoint', () => {
  it('creates a new endpoint, waits through a 10-minute provisioning without its events on the fallback, and succeeds', async () => {
    aws.script.provisioningSeconds = 600;

    const result = await deploy(deployInput('v1'));

    expect(result.status).toBe('SUCCEEDED');
    const endpoint = aws.endpoint('churn');
    expect(endpoint?.EndpointStatus).toBe('InService');
    expect(published()).toEqual(['Deployment Succeeded']);
    expect(aws.tagsOf(endpoint)['sagemaker-workflows:model-version']).toBe('v1');
    expect(aws.invocations).toHaveLength(3);
    // No event reaches a callback here: the wait falls back every 5 minutes, polls once and waits again.
    expect(result.waitedSeconds).toBe(600);
    expect(statesEntered(result).filter((s) => s === S.WaitForEndpoint)).toHaveLength(2);
    expect(result.transitions).toBeLessThanOrEqual(21);
  });

  it('updates an existing endpoint to the new config and records the previous one', async () => {
    await deploy(deployInput('v1'));
    const v1Config = aws.endpoint('churn')?.EndpointConfigName;

    const result = await deploy(deployInput('v2'));

    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as { endpoint: { action: string; previousConfigName: string } };
    expect(output.endpoint.action).toBe('update');
    expect(output.endpoint.previousConfigName).toBe(v1Config);
    expect(aws.endpoint('churn')?.EndpointConfigName).not.toBe(v1Config);
    expect(servingModel()).toMatch(/^churn-[0-9a-f]{10}$/);
  });

  it('keeps the newest retainVersions configs and deletes older ones with their models', async () => {
    await deploy(deployInput('v1'));
    const v1Config = aws.endpoint('churn')?.EndpointConfigName as string;
    const v1Model = servingModel() as string;
    await deploy(deployInput('v2'));
    const v2Config = aws.endpoint('churn')?.EndpointConfigName as string;

    const result = await deploy(deployInput('v3'));

    expect(result.status).toBe('SUCCEEDED');
    expect(aws.endpointConfigNames().includes(v1Config)).toBe(false);
    expect(aws.modelNames().includes(v1Model)).toBe(false);
    expect(aws.endpointConfigNames().includes(v2Config)).toBe(true);
    expect(aws.endpointConfigNames().length).toBe(2);
    expect(aws.modelNames().length).toBe(2);
  });

  it('rolls back to the previous config when the health check fails after an update', async () => {
    await deploy(deployInput('v1'));
    const v1Config = aws.endpoint('churn')?.EndpointConfigName;
    aws.script.answers = (model, body) =>
      model === servingModelOf(v1Config) ? { status: 200, body } : { status: 500, body: 'model crashed' };

    const result = await deploy(deployInput('v2'));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HealthCheckFailedError');
    expect(result.cause).toContain('expected status 200, got 500');
    expect(aws.endpoint('churn')?.EndpointConfigName).toBe(v1Config);
    expect(aws.endpoint('churn')?.EndpointStatus).toBe('InService');
    expect(
      aws
        .callsOf('UpdateEndpoint')
        .map((c) => c.input.EndpointConfigName)
        .at(-1),
    ).toBe(v1Config);
    expect(aws.endpointConfigNames().length).toBe(1);
    expect(published()).toEqual(['Deployment Succeeded', 'Deployment Rolled Back']);
    expect((aws.publishedEvents()[1]?.detail as { error?: unknown } | undefined)?.error).toMatchObject({
      name: 'HealthCheckFailedError',
    });
  });

  it('fails with DeploymentRolledBackError when SageMaker silently rolls the update back', async () => {
    await deploy(deployInput('v1'));
    const v1Config = aws.endpoint('churn')?.EndpointConfigName;
    const v2Config = (await configNameFor('v2')) as string;
    aws.script.failingConfigs.add(v2Config);

    const result = await deploy(deployInput('v2'));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('DeploymentRolledBackError');
    expect(result.cause).toContain('did not pass the ping health check');
    expect(aws.endpoint('churn')?.EndpointConfigName).toBe(v1Config);
    expect(aws.callsOf('UpdateEndpoint')).toHaveLength(1);
    expect(published()).toEqual(['Deployment Succeeded', 'Deployment Rolled Back']);
  });

  it('deletes a first-time endpoint that ends Failed and fails with its reason', async () => {
    aws.script.provisioningSeconds = 120;
    aws.script.failingConfigs.add((await configNameFor('v1')) as string);

    const result = await deploy(deployInput('v1'));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EndpointFailedError');
    expect(result.cause).toContain('did not pass the ping health check');
    expect(aws.endpoint('churn') !== undefined).toBe(false);
    expect(aws.modelNames().length).toBe(0);
    expect(aws.endpointConfigNames().length).toBe(0);
    expect(published()).toEqual(['Deployment Rolled Back']);
  });

  it('keeps a failed first-time endpoint for inspection when onFailure is retain', async () => {
    aws.script.failingConfigs.add((await configNameFor('v1')) as string);

    const result = await deploy(deployInput('v1', { onFailure: 'retain' }));

    expect(result.error).toBe('EndpointFailedError');
    expect(aws.endpoint('churn')?.EndpointStatus).toBe('Failed');
    expect(aws.endpointConfigNames().length).toBe(1);
    expect(published()).toEqual(['Deployment Failed']);
  });

  it('waits for a busy endpoint, then deploys once it is InService', async () => {
    // Someone else's update of the endpoint finishes in a minute.
    aws.seedEndpoint('churn', 'churn-seeded', 'churn-seeded-model', { status: 'Updating', settlesInSeconds: 60 });

    const result = await deploy(deployInput('v2'));

    expect(result.status).toBe('SUCCEEDED');
    const retried = result.events.filter(
      (e) => e.type === 'StateRetried' && 'state' in e && e.state.name === S.StartDeployment,
    );
    expect(retried.length).toBeGreaterThan(0);
    expect((result.output as { endpoint: { previousConfigName: string } }).endpoint.previousConfigName).toBe(
      'churn-seeded',
    );
  });

  it('gives up on an endpoint that stays busy with EndpointBusyError and leaves nothing behind', async () => {
    aws.seedEndpoint('churn', 'churn-seeded', 'churn-seeded-model', {
      status: 'Updating',
      settlesInSeconds: Number.POSITIVE_INFINITY,
    });

    const result = await deploy(deployInput('v2'));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EndpointBusyError');
    expect(aws.callsOf('CreateEndpoint')).toHaveLength(0);
    expect(aws.callsOf('UpdateEndpoint')).toHaveLength(0);
    expect(aws.endpointConfigNames()).toEqual(['churn-seeded']);
    expect(aws.modelNames()).toEqual(['churn-seeded-model']);
    expect(published()).toEqual(['Deployment Failed']);
  });

  it('fails with DeploymentTimeoutError past the deadline and deletes the endpoint once it can', async () => {
    aws.script.provisioningSeconds = 45 * 60;

    const result = await deploy(deployInput('v1', { wait: { timeoutMinutes: 20 } }));

    expect(result.error).toBe('DeploymentTimeoutError');
    expect(result.cause).toContain('still Creating after 20 minutes');
    // SageMaker cannot delete a Creating endpoint: the rollback waits (retries) until it settles, then deletes.
    expect(
      result.events.some((e) => e.type === 'StateRetried' && 'state' in e && e.state.name === S.StartRollback),
    ).toBe(true);
    expect(aws.endpoint('churn') !== undefined).toBe(false);
    expect(published()).toEqual(['Deployment Rolled Back']);
  });

  it('ends in RollbackFailed, keeping the original error, when the endpoint never settles', async () => {
    aws.script.provisioningSeconds = 24 * 3600;

    const result = await deploy(deployInput('v1', { wait: { timeoutMinutes: 20 } }));

    expect(result.error).toBe('RollbackFailedError');
    expect(result.cause).toContain(
      'The deployment failed with DeploymentTimeoutError and rolling back failed with EndpointBusyError',
    );
    expect(published()).toEqual(['Deployment Rollback Failed']);
  });

  it('succeeds when every second SageMaker call is throttled', async () => {
    aws.throttleSageMaker(2);

    const result = await deploy(deployInput('v1'));

    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(aws.endpoint('churn')?.EndpointStatus).toBe('InService');
    const throttled = result.events.filter((e) => e.type === 'StateRetried');
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(aws.modelNames().length).toBe(1);
  });

  it('rejects bad input at the first state with InvalidInputError naming the field, calling nothing', async () => {
    const result = await deploy(deployInput('v1', { variants: [{ instanceType: 'm5.large' }] }));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInputError');
    expect(result.cause).toContain('variants[0].instanceType');
    expect(result.cause).toContain('expected a hosting instance type (ml.m5.large');
    expect(statesEntered(result)).toEqual([S.ValidateInput, S.InputRejected]);
    expect(aws.calls).toHaveLength(0);
    expect(aws.publishedEvents()).toHaveLength(0);
  });

  it('reuses what a previous attempt created when the same deployment runs again', async () => {
    await deploy(deployInput('v1'));

    const again = await deploy(deployInput('v1'));

    expect(again.status).toBe('SUCCEEDED');
    expect((again.output as { endpoint: { action: string } }).endpoint.action).toBe('none');
    expect(aws.callsOf('CreateModel')).toHaveLength(1);
    expect(aws.callsOf('CreateEndpointConfig')).toHaveLength(1);
    expect(aws.callsOf('UpdateEndpoint')).toHaveLength(0);
  });

  it('returns the same execution when started twice with the same name and input', async () => {
    const first = runner.start('DeployEndpoint', deployInput('v1'), { name: 'deploy-churn-v1' });
    const second = runner.start('DeployEndpoint', deployInput('v1'), { name: 'deploy-churn-v1' });

    expect(second).toBe(first);
    expect((await first.result).status).toBe('SUCCEEDED');
    expect(aws.callsOf('CreateEndpoint')).toHaveLength(1);
    expect(() => runner.start('DeployEndpoint', deployInput('v2'), { name: 'deploy-churn-v1' })).toThrow(
      /already exists/,
    );
  });
});

/** The model name a config serves. */
function servingModelOf(configName: string | undefined): string | undefined {
  return configName
    ? (aws.endpointConfig(configName)?.ProductionVariants[0]?.ModelName as string | undefined)
    : undefined;
}

/** The config name DeployEndpoint will derive for a version, found by a dry run on a scratch cloud. */
async function configNameFor(version: string): Promise<string | undefined> {
  {
    const { toModelSpec } = await import('../../tasks/create-model/create-model.ts');
    const { toEndpointConfigSpec } = await import('../../tasks/create-endpoint-config/create-endpoint-config.ts');
    const { DeployEndpointInput } = await import('../../workflows/deploy-endpoint/contract.ts');
    const request = DeployEndpointInput.parse(deployInput(version));
    const state = { request, execution: { id: 'x', name: 'x', startedAt: '' } };
    const roleArn = process.env.SAGEMAKER_EXECUTION_ROLE_ARN ?? '';
    const model = { name: toModelSpec(state, roleArn).ModelName, arn: '', created: true };
    return toEndpointConfigSpec({ ...state, model }, model.name).EndpointConfigName;
  }
}
