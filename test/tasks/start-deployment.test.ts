import { beforeEach, describe, expect, it } from 'vitest';
import { EndpointBusyError, EndpointFailedError } from '../../contracts/errors.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import { handler as startDeploymentHandler } from '../../tasks/start-deployment/handler.ts';
import { startDeployment } from '../../tasks/start-deployment/start-deployment.ts';
import type { DeployEndpointInputDocument } from '../../workflows/deploy-endpoint/contract.ts';
import { deploymentState, endpointArn, endpointConfigArn, FakeSageMaker, validInput } from './fakes.ts';

const NOW = new Date('2025-03-01T12:00:00.000Z');
const OLD_CONFIG = 'churn-0000000001';
const NEW_CONFIG = 'churn-0000000002';

function stateWith(input: DeployEndpointInputDocument = validInput()) {
  return deploymentState(input, {
    model: { name: 'churn-aaaaaaaaaa', arn: 'arn:model', created: true },
    endpointConfig: { name: NEW_CONFIG, arn: endpointConfigArn(NEW_CONFIG), created: true },
  });
}

describe('startDeployment', () => {
  let sagemaker: FakeSageMaker;
  const deps = () => ({ sagemaker, now: () => NOW });
  /**
   * The dependencies with SageMaker's `call` answered once and then lost: the connection was reset before the answer
   * came, and the SDK's retry of the call meets what the first one did.
   */
  const answerLostOnce = (call: 'createEndpoint' | 'updateEndpoint') => ({
    ...deps(),
    sagemaker: {
      describeEndpoint: (name: string) => sagemaker.describeEndpoint(name),
      describeEndpointConfig: (name: string) => sagemaker.describeEndpointConfig(name),
      listTags: (arn: string) => sagemaker.listTags(arn),
      createEndpoint: sagemaker.createEndpoint.bind(sagemaker),
      updateEndpoint: sagemaker.updateEndpoint.bind(sagemaker),
      [call]: async (...args: Parameters<FakeSageMaker[typeof call]>) => {
        await (sagemaker[call] as (...a: typeof args) => Promise<unknown>)(...args);
        return (sagemaker[call] as (...a: typeof args) => Promise<unknown>)(...args);
      },
    },
  });

  beforeEach(() => {
    sagemaker = new FakeSageMaker();
    // SageMaker refuses to create or update an endpoint whose config names a model that does not exist.
    sagemaker.seedModel('churn-model-old');
    sagemaker.seedModel('churn-aaaaaaaaaa');
    sagemaker.seedConfig(OLD_CONFIG, ['churn-model-old']);
    sagemaker.seedConfig(NEW_CONFIG, ['churn-aaaaaaaaaa']);
  });

  it('creates the endpoint on the new config when there is none', async () => {
    const out = await startDeployment(stateWith(validInput({ tags: { team: 'ml' } })), deps());

    expect(out.endpoint).toEqual({ name: 'churn', arn: endpointArn('churn'), action: 'create' });
    expect(sagemaker.endpoints.get('churn')).toMatchObject({ status: 'Creating', configName: NEW_CONFIG });
    expect(sagemaker.tags.get(endpointArn('churn'))).toEqual({
      team: 'ml',
      [TagKeys.endpoint]: 'churn',
      [TagKeys.execution]: 'deploy-churn-1',
    });
  });

  it('takes the endpoint its create started when the answer was lost and the retried create finds it', async () => {
    const out = await startDeployment(stateWith(), answerLostOnce('createEndpoint'));

    expect(out.endpoint).toEqual({ name: 'churn', arn: endpointArn('churn'), action: 'create' });
    expect(sagemaker.endpoints.get('churn')).toMatchObject({ status: 'Creating', configName: NEW_CONFIG });
  });

  it('takes the update its call started when the answer was lost and the retried update finds it in progress', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });
    const lostAnswers = answerLostOnce('updateEndpoint');

    const out = await startDeployment(stateWith(), lostAnswers);

    expect(out.endpoint).toEqual({
      name: 'churn',
      arn: endpointArn('churn'),
      action: 'update',
      previousConfigName: OLD_CONFIG,
    });
    expect(sagemaker.endpoints.get('churn')).toMatchObject({ status: 'Updating', pendingConfigName: NEW_CONFIG });
  });

  it('starts the wait loop with the initial interval and the deadline', async () => {
    const input = validInput({ wait: { initialIntervalSeconds: 10, maxIntervalSeconds: 60, timeoutMinutes: 30 } });

    const out = await startDeployment(stateWith(input), deps());

    expect(out.wait).toEqual({ attempt: 0, seconds: 10, deadline: '2025-03-01T12:30:00.000Z' });
  });

  it('updates an InService endpoint after recording the config it served', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });

    const out = await startDeployment(stateWith(), deps());

    expect(out.endpoint).toEqual({
      name: 'churn',
      arn: endpointArn('churn'),
      action: 'update',
      previousConfigName: OLD_CONFIG,
    });
    expect(sagemaker.endpoints.get('churn')).toMatchObject({
      status: 'Updating',
      configName: OLD_CONFIG,
      pendingConfigName: NEW_CONFIG,
    });
  });

  it('passes blue/green guardrails to SageMaker as DeploymentConfig', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });
    const input = validInput({
      deployment: {
        blueGreen: {
          trafficRouting: {
            type: 'LINEAR',
            waitIntervalInSeconds: 120,
            linearStepSize: { type: 'CAPACITY_PERCENT', value: 25 },
          },
          terminationWaitInSeconds: 300,
        },
      },
    });

    await startDeployment(stateWith(input), deps());

    expect(sagemaker.endpoints.get('churn')?.deploymentConfig).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'LINEAR',
          WaitIntervalInSeconds: 120,
          LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
        },
        TerminationWaitInSeconds: 300,
      },
    });
  });

  it('passes rolling guardrails when creating the endpoint', async () => {
    const input = validInput({
      variants: [{ instanceType: 'ml.m5.large', initialInstanceCount: 4 }],
      deployment: {
        rolling: {
          maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 },
          waitIntervalInSeconds: 60,
          maximumExecutionTimeoutInSeconds: 1800,
        },
      },
    });

    await startDeployment(stateWith(input), deps());

    expect(sagemaker.endpoints.get('churn')?.deploymentConfig).toEqual({
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 1 },
        WaitIntervalInSeconds: 60,
        MaximumExecutionTimeoutInSeconds: 1800,
      },
    });
  });

  it('does nothing when the endpoint already serves the new config', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    sagemaker.tags.set(endpointArn('churn'), { [TagKeys.endpointConfig]: NEW_CONFIG });

    const out = await startDeployment(stateWith(), deps());

    expect(out.endpoint).toEqual({ name: 'churn', arn: endpointArn('churn'), action: 'none' });
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
    expect(sagemaker.callsOf('createEndpoint')).toEqual([]);
  });

  it('treats a new config serving but not yet verified as its own finished update, to restore on failure', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    sagemaker.tags.set(endpointArn('churn'), { [TagKeys.endpointConfig]: OLD_CONFIG });

    const out = await startDeployment(stateWith(), deps());

    expect(out.endpoint).toEqual({
      name: 'churn',
      arn: endpointArn('churn'),
      action: 'update',
      previousConfigName: OLD_CONFIG,
    });
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
  });

  it.each(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'])(
    'raises EndpointBusyError while the endpoint is %s with another change',
    async (status) => {
      sagemaker.putEndpoint({ name: 'churn', status, configName: OLD_CONFIG, pendingConfigName: 'churn-0000000009' });

      const result = startDeployment(stateWith(), deps());

      await expect(result).rejects.toThrow(EndpointBusyError);
      await expect(result).rejects.toThrow(`Endpoint churn is ${status}`);
      expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
    },
  );

  it('raises EndpointFailedError with the failure reason when the endpoint is Failed', async () => {
    sagemaker.putEndpoint({
      name: 'churn',
      status: 'Failed',
      configName: OLD_CONFIG,
      failureReason: 'The primary container did not pass the ping health check.',
    });

    const result = startDeployment(stateWith(), deps());

    await expect(result).rejects.toThrow(EndpointFailedError);
    await expect(result).rejects.toThrow(
      'Endpoint churn is Failed (The primary container did not pass the ping health check.); SageMaker cannot update it',
    );
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
  });

  it('picks up the creation a previous attempt started instead of creating again', async () => {
    await startDeployment(stateWith(), deps());

    const retry = await startDeployment(stateWith(), deps());

    expect(retry.endpoint).toEqual({ name: 'churn', arn: endpointArn('churn'), action: 'create' });
    expect(sagemaker.callsOf('createEndpoint')).toHaveLength(1);
  });

  it('picks up the update a previous attempt started, keeping the previous config', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });
    await startDeployment(stateWith(), deps());

    const retry = await startDeployment(stateWith(), deps());

    expect(retry.endpoint).toEqual({
      name: 'churn',
      arn: endpointArn('churn'),
      action: 'update',
      previousConfigName: OLD_CONFIG,
    });
    expect(sagemaker.callsOf('updateEndpoint')).toHaveLength(1);
  });

  it('refuses a state document without the endpoint config CreateEndpointConfig records, naming it', async () => {
    await expect(startDeploymentHandler({ state: deploymentState(), taskToken: 'token-1' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid StartDeployment input state: endpointConfig: .*received undefined/),
    });
  });

  it('refuses a payload without its task token, naming it', async () => {
    await expect(startDeploymentHandler({ state: stateWith() })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'StartDeployment input: taskToken: expected the task token ($$.Task.Token), a string',
    });
  });
});
