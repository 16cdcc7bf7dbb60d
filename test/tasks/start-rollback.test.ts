import { beforeEach, describe, expect, it } from 'vitest';
import { EndpointBusyError } from '../../contracts/errors.ts';
import type { VariantAutoScaling } from '../../contracts/parts/auto-scaling.ts';
import { desiredRegistration } from '../../tasks/_shared/auto-scaling.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import { startRollback } from '../../tasks/start-rollback/start-rollback.ts';
import type { DeployEndpointInputDocument, DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import { deploymentState, EXECUTION, endpointArn, FakeAutoScaling, FakeSageMaker, validInput } from './fakes.ts';

const NOW = new Date('2025-03-01T12:00:00.000Z');
const OLD_CONFIG = 'churn-0000000001';
const NEW_CONFIG = 'churn-0000000002';

function failedState(
  endpoint: DeploymentState['endpoint'],
  input: DeployEndpointInputDocument = validInput(),
): DeploymentState {
  return deploymentState(input, {
    endpointConfig: { name: NEW_CONFIG, arn: 'arn:config', created: true },
    ...(endpoint !== undefined ? { endpoint } : {}),
    error: { Error: 'HealthCheckFailedError', Cause: '{"errorType":"HealthCheckFailedError","errorMessage":"0/1"}' },
  });
}

const SCALING: VariantAutoScaling = {
  minCapacity: 1,
  maxCapacity: 2,
  targetTracking: { metric: 'SageMakerVariantInvocationsPerInstance', targetValue: 100, disableScaleIn: false },
};

const updated = { name: 'churn', arn: endpointArn('churn'), action: 'update' as const, previousConfigName: OLD_CONFIG };
const created = { name: 'churn', arn: endpointArn('churn'), action: 'create' as const };

describe('startRollback', () => {
  let sagemaker: FakeSageMaker;
  let autoScaling: FakeAutoScaling;
  const deps = () => ({ sagemaker, autoScaling, now: () => NOW });

  beforeEach(() => {
    sagemaker = new FakeSageMaker();
    autoScaling = new FakeAutoScaling();
    // SageMaker refuses to update an endpoint to a config that does not exist.
    sagemaker.seedConfig(OLD_CONFIG, []);
  });

  it('updates the endpoint back to the config it served before', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });

    const out = await startRollback(failedState(updated), deps());

    expect(out.rollback).toEqual({ action: 'restore', configName: OLD_CONFIG });
    expect(sagemaker.endpoints.get('churn')).toMatchObject({ status: 'Updating', pendingConfigName: OLD_CONFIG });
  });

  it('deregisters a variant registered again on the new instance type before updating back, which SageMaker refuses otherwise', async () => {
    // The release being undone moved Variant0 to ml.m5.xlarge and registered it (ApplyAutoScaling), then failed.
    sagemaker.seedConfig(NEW_CONFIG, ['churn-new'], { instanceType: 'ml.m5.xlarge' });
    sagemaker.seedModel('churn-old');
    sagemaker.seedConfig(OLD_CONFIG, ['churn-old'], { instanceType: 'ml.m5.large' });
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    await autoScaling.register('churn', desiredRegistration('churn', 'Variant0', SCALING));
    const state = { ...failedState(updated), autoScaling: { previous: [] } };

    const out = await startRollback(state, deps());

    expect(out.rollback).toEqual({ action: 'restore', configName: OLD_CONFIG });
    expect([...autoScaling.targets.keys()]).toEqual([]);
    expect(sagemaker.endpoints.get('churn')).toMatchObject({ status: 'Updating', pendingConfigName: OLD_CONFIG });
  });

  it.each([
    ['whose instance type the update back leaves alone', 'ml.m5.large', { previous: [] }],
    ['of a workflow that does not manage autoscaling (none recorded)', 'ml.m5.xlarge', undefined],
  ] as const)('keeps the registration of a variant %s', async (_case, newType, recorded) => {
    sagemaker.seedConfig(NEW_CONFIG, ['churn-new'], { instanceType: newType });
    sagemaker.seedModel('churn-old');
    sagemaker.seedConfig(OLD_CONFIG, ['churn-old'], { instanceType: 'ml.m5.large' });
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    await autoScaling.register('churn', desiredRegistration('churn', 'Variant0', SCALING));

    const out = await startRollback({ ...failedState(updated), autoScaling: recorded }, deps());

    expect(out.rollback).toEqual({ action: 'restore', configName: OLD_CONFIG });
    expect([...autoScaling.targets.keys()]).toEqual(['Variant0']);
  });

  it('restores the previous config without the deployment guardrails', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    const input = validInput({
      deployment: { blueGreen: { trafficRouting: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 600 } } },
    });

    await startRollback(failedState(updated, input), deps());

    expect(sagemaker.endpoints.get('churn')?.deploymentConfig).toBeUndefined();
  });

  it('starts a fresh wait loop for the rollback', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    const state = { ...failedState(updated), wait: { attempt: 7, seconds: 120, deadline: '2025-03-01T11:00:00.000Z' } };

    const out = await startRollback(state, deps());

    expect(out.wait).toEqual({ attempt: 0, seconds: 15, deadline: '2025-03-01T13:00:00.000Z' });
  });

  it('only records the restore when SageMaker already rolled the update back', async () => {
    sagemaker.putEndpoint({
      name: 'churn',
      status: 'InService',
      configName: OLD_CONFIG,
      failureReason: 'update failed',
    });

    const out = await startRollback(failedState(updated), deps());

    expect(out.rollback).toEqual({ action: 'restore', configName: OLD_CONFIG });
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
  });

  it('deletes an endpoint the deployment created', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });

    const out = await startRollback(failedState(created), deps());

    expect(out.rollback).toEqual({ action: 'delete' });
    expect(sagemaker.endpoints.has('churn')).toBe(false);
  });

  it('deletes a created endpoint that ended Failed', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Failed', configName: NEW_CONFIG, failureReason: 'ping failed' });

    const out = await startRollback(failedState(created), deps());

    expect(out.rollback).toEqual({ action: 'delete' });
    expect(sagemaker.endpoints.has('churn')).toBe(false);
  });

  it('records the deletion when the created endpoint is already gone', async () => {
    const out = await startRollback(failedState(created), deps());

    expect(out.rollback).toEqual({ action: 'delete' });
    expect(sagemaker.callsOf('deleteEndpoint')).toEqual([]);
  });

  it('still restores the previous config of an updated endpoint when onFailure is retain', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });

    const out = await startRollback(failedState(updated, validInput({ onFailure: 'retain' })), deps());

    expect(out.rollback).toEqual({ action: 'restore', configName: OLD_CONFIG });
    expect(sagemaker.callsOf('updateEndpoint')).toHaveLength(1);
  });

  it('leaves a new endpoint as it is when onFailure is retain', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Failed', configName: NEW_CONFIG });

    const out = await startRollback(failedState(created, validInput({ onFailure: 'retain' })), deps());

    expect(out.rollback).toEqual({ action: 'retain' });
    expect(sagemaker.endpoints.get('churn')?.status).toBe('Failed');
    expect(sagemaker.callsOf('deleteEndpoint')).toEqual([]);
  });

  it('does nothing when the deployment failed before it touched the endpoint', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });

    const out = await startRollback(failedState(undefined), deps());

    expect(out.rollback).toEqual({ action: 'none' });
    expect(out.endpoint).toBeUndefined();
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
    expect(sagemaker.callsOf('deleteEndpoint')).toEqual([]);
  });

  it('deletes a new endpoint this execution made that the state does not record (its result was lost)', async () => {
    // StartDeployment created the endpoint, then failed past its retries: its result never reached the state.
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    sagemaker.tags.set(endpointArn('churn'), { [TagKeys.execution]: EXECUTION.name });

    const out = await startRollback(failedState(undefined), deps());

    expect(out.rollback).toEqual({ action: 'delete' });
    expect(out.endpoint).toEqual(created);
    expect(sagemaker.callsOf('deleteEndpoint')).toEqual(['churn']);
  });

  it("restores the config an update served before when only the execution's wait record names the update", async () => {
    // StartDeployment updated the endpoint, then failed past its retries: only its wait record, written before the
    // UpdateEndpoint call, says what it changed.
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    const asked: string[] = [];
    const recordedChange = async (endpointName: string, executionId: string) => {
      asked.push(`${endpointName} ${executionId}`);
      return updated;
    };

    const out = await startRollback(failedState(undefined), { ...deps(), recordedChange });

    expect(asked).toEqual([`churn ${EXECUTION.id}`]);
    expect(out.endpoint).toEqual(updated);
    expect(out.rollback).toEqual({ action: 'restore', configName: OLD_CONFIG });
    expect(sagemaker.endpoints.get('churn')).toMatchObject({ status: 'Updating', pendingConfigName: OLD_CONFIG });
  });

  it('does nothing when neither the state nor a wait record of this execution names a change', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });

    const out = await startRollback(failedState(undefined), { ...deps(), recordedChange: async () => undefined });

    expect(out.rollback).toEqual({ action: 'none' });
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
  });

  it('leaves an unrecorded endpoint another execution tagged', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    sagemaker.tags.set(endpointArn('churn'), { [TagKeys.execution]: 'deploy-churn-2' });

    const out = await startRollback(failedState(undefined), deps());

    expect(out.rollback).toEqual({ action: 'none' });
    expect(sagemaker.callsOf('deleteEndpoint')).toEqual([]);
  });

  it('does nothing when the endpoint already served the new config before the deployment', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });

    const out = await startRollback(failedState({ name: 'churn', arn: endpointArn('churn'), action: 'none' }), deps());

    expect(out.rollback).toEqual({ action: 'none' });
    expect(sagemaker.endpoints.get('churn')?.configName).toBe(NEW_CONFIG);
  });

  it('raises EndpointBusyError while the endpoint is still updating', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Updating', configName: OLD_CONFIG, pendingConfigName: NEW_CONFIG });

    const result = startRollback(failedState(updated), deps());

    await expect(result).rejects.toThrow(EndpointBusyError);
    await expect(result).rejects.toThrow('Endpoint churn is Updating; rollback waits until it settles');
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
  });

  it('fails when an update did not record the previous config', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });
    const { previousConfigName: _, ...withoutPrevious } = updated;

    const result = startRollback(failedState(withoutPrevious), deps());

    await expect(result).rejects.toThrow('No previous endpoint config was recorded for churn');
  });

  it('leaves an updated endpoint that serves a third config as it is: a foreign change is not its to revert', async () => {
    sagemaker.seedConfig('churn-by-hand', []);
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: 'churn-by-hand' });

    const out = await startRollback(failedState(updated), deps());

    expect(out.rollback).toEqual({
      action: 'none',
      reason: `Endpoint churn is InService on churn-by-hand, not on this run's ${NEW_CONFIG}: something else changed it since, so it is left as it is`,
    });
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
    expect(sagemaker.endpoints.get('churn')?.configName).toBe('churn-by-hand');
  });

  it("never deletes a new endpoint that serves another run's config", async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });

    const out = await startRollback(failedState(created), deps());

    expect(out.rollback?.action).toBe('none');
    expect(sagemaker.callsOf('deleteEndpoint')).toEqual([]);
    expect(sagemaker.endpoints.get('churn')?.status).toBe('InService');
  });

  it('restores nothing when the updated endpoint no longer exists', async () => {
    const out = await startRollback(failedState(updated), deps());

    expect(out.rollback).toEqual({
      action: 'none',
      reason: 'Endpoint churn no longer exists; there is nothing to restore',
    });
    expect(sagemaker.callsOf('updateEndpoint')).toEqual([]);
  });
});
