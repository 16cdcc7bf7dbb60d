import { beforeEach, describe, expect, it } from 'vitest';
import { RollbackFailedError } from '../../contracts/errors.ts';
import { leftoverSageMaker } from '../../tasks/_shared/execution-leftovers.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import { completeRollback } from '../../tasks/complete-rollback/complete-rollback.ts';
import { handler as completeRollbackHandler } from '../../tasks/complete-rollback/handler.ts';
import type { DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import {
  deploymentState,
  EXECUTION,
  endpointArn,
  endpointConfigArn,
  FakeSageMaker,
  modelArn,
  validInput,
} from './fakes.ts';

const OLD_CONFIG = 'churn-0000000001';
const OLD_MODEL = 'churn-000000000a';
const NEW_CONFIG = 'churn-0000000002';
const NEW_MODEL = 'churn-000000000b';

interface Scenario {
  rollback: NonNullable<DeploymentState['rollback']>;
  action?: 'create' | 'update' | 'none';
  created?: { model: boolean; config: boolean | undefined };
}

function rollingBack({ rollback, action = 'update', created = { model: true, config: true } }: Scenario) {
  return deploymentState(validInput(), {
    model: { name: NEW_MODEL, arn: modelArn(NEW_MODEL), created: created.model },
    ...(created.config !== undefined
      ? { endpointConfig: { name: NEW_CONFIG, arn: endpointConfigArn(NEW_CONFIG), created: created.config } }
      : {}),
    endpoint: {
      name: 'churn',
      arn: endpointArn('churn'),
      action,
      ...(action === 'update' ? { previousConfigName: OLD_CONFIG } : {}),
    },
    rollback,
  });
}

const restore = { action: 'restore' as const, configName: OLD_CONFIG };

describe('completeRollback', () => {
  let sagemaker: FakeSageMaker;

  /** The step's dependencies, on the fake's SageMaker and clock. */
  const deps = () => ({
    sagemaker,
    leftovers: leftoverSageMaker(sagemaker.scripted.sageMakerClient()),
    now: () => new Date(sagemaker.scripted.clock.now()),
  });

  beforeEach(() => {
    sagemaker = new FakeSageMaker();
    sagemaker.seedModel(OLD_MODEL);
    sagemaker.seedConfig(OLD_CONFIG, [OLD_MODEL]);
    sagemaker.seedModel(NEW_MODEL);
    sagemaker.seedConfig(NEW_CONFIG, [NEW_MODEL]);
  });

  it('confirms the restore and deletes the config and model this run created', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });

    const out = await completeRollback(rollingBack({ rollback: restore }), deps());

    expect(out.rollback).toEqual({
      ...restore,
      completed: true,
      deleted: [`endpoint-config/${NEW_CONFIG}`, `model/${NEW_MODEL}`],
    });
    expect([...sagemaker.configs.keys()]).toEqual([OLD_CONFIG]);
    expect([...sagemaker.models.keys()]).toEqual([OLD_MODEL]);
  });

  it('raises RollbackFailedError when the endpoint still serves the new config', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });

    const result = completeRollback(rollingBack({ rollback: restore }), deps());

    await expect(result).rejects.toThrow(RollbackFailedError);
    await expect(result).rejects.toThrow(
      `Endpoint churn should be InService on ${OLD_CONFIG} again, but it is InService on ${NEW_CONFIG}`,
    );
    expect(sagemaker.configs.has(NEW_CONFIG)).toBe(true);
    expect(sagemaker.models.has(NEW_MODEL)).toBe(true);
  });

  it('raises RollbackFailedError with the reason when the restore left the endpoint Failed', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Failed', configName: OLD_CONFIG, failureReason: 'capacity error' });

    const result = completeRollback(rollingBack({ rollback: restore }), deps());

    await expect(result).rejects.toThrow(
      `Endpoint churn should be InService on ${OLD_CONFIG} again, but it is Failed on ${OLD_CONFIG} (capacity error)`,
    );
  });

  it('raises RollbackFailedError when the endpoint to restore is gone', async () => {
    const result = completeRollback(rollingBack({ rollback: restore }), deps());

    await expect(result).rejects.toMatchObject({
      name: 'RollbackFailedError',
      message: `Endpoint churn should be InService on ${OLD_CONFIG} again, but it is deleted`,
    });
  });

  it('confirms the deletion of a new endpoint and deletes what this run created', async () => {
    const out = await completeRollback(rollingBack({ rollback: { action: 'delete' }, action: 'create' }), deps());

    expect(out.rollback).toEqual({
      action: 'delete',
      completed: true,
      deleted: [`endpoint-config/${NEW_CONFIG}`, `model/${NEW_MODEL}`],
    });
  });

  it('raises RollbackFailedError when the new endpoint still exists', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Failed', configName: NEW_CONFIG });

    const result = completeRollback(rollingBack({ rollback: { action: 'delete' }, action: 'create' }), deps());

    await expect(result).rejects.toThrow(RollbackFailedError);
    await expect(result).rejects.toThrow('Endpoint churn should have been deleted, but it is Failed');
    expect(sagemaker.configs.has(NEW_CONFIG)).toBe(true);
  });

  it('keeps a config and model that existed before this run', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });

    const out = await completeRollback(
      rollingBack({ rollback: restore, created: { model: false, config: false } }),
      deps(),
    );

    expect(out.rollback?.deleted).toEqual([]);
    expect(sagemaker.configs.has(NEW_CONFIG)).toBe(true);
    expect(sagemaker.models.has(NEW_MODEL)).toBe(true);
  });

  it('keeps the config the endpoint still serves, and its model, even if this run created them', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });

    const out = await completeRollback(rollingBack({ rollback: { action: 'none' }, action: 'none' }), deps());

    expect(out.rollback).toEqual({ action: 'none', completed: true, deleted: [] });
    expect(sagemaker.configs.has(NEW_CONFIG)).toBe(true);
    expect(sagemaker.models.has(NEW_MODEL)).toBe(true);
  });

  it("keeps this run's model when the config a foreign change made the endpoint serve uses it", async () => {
    sagemaker.seedConfig('churn-by-hand', [NEW_MODEL]);
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: 'churn-by-hand' });
    const foreign = { action: 'none' as const, reason: 'changed by hand' };

    const out = await completeRollback(rollingBack({ rollback: foreign }), deps());

    expect(out.rollback?.deleted).toEqual([`endpoint-config/${NEW_CONFIG}`]);
    expect(sagemaker.models.has(NEW_MODEL)).toBe(true);
    expect(sagemaker.configs.has('churn-by-hand')).toBe(true);
  });

  it('deletes the model when the deployment failed before creating a config', async () => {
    sagemaker.configs.delete(NEW_CONFIG);
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });
    const state = rollingBack({ rollback: { action: 'none' }, created: { model: true, config: undefined } });
    const { endpoint: _, ...failedEarly } = state;

    const out = await completeRollback(failedEarly, deps());

    expect(out.rollback?.deleted).toEqual([`model/${NEW_MODEL}`]);
    expect(sagemaker.models.has(NEW_MODEL)).toBe(false);
    expect(sagemaker.models.has(OLD_MODEL)).toBe(true);
  });

  it("deletes what this execution created that the state does not record and nothing uses, by the cleanup's rule", async () => {
    // CreateEndpointConfig made its config, then failed past its retries: the state records the model only.
    const mine = { [TagKeys.execution]: EXECUTION.name };
    const started = new Date(EXECUTION.startedAt);
    const later = new Date(started.getTime() + 60_000);
    sagemaker.seedConfig('churn-unrecorded', [NEW_MODEL], { tags: mine, createdAt: later });
    sagemaker.seedModel('churn-served', { tags: mine, createdAt: later });
    sagemaker.seedConfig('churn-serving', ['churn-served'], { createdAt: started });
    sagemaker.putEndpoint({ name: 'other', status: 'InService', configName: 'churn-serving' });
    sagemaker.seedModel('churn-before', { tags: mine, createdAt: new Date(started.getTime() - 60_000) });
    sagemaker.seedModel('churn-other-run', { tags: { [TagKeys.execution]: 'deploy-churn-2' }, createdAt: later });
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });
    sagemaker.configs.delete(NEW_CONFIG);
    const state = rollingBack({ rollback: { action: 'none' }, created: { model: true, config: undefined } });
    const { endpoint: _, ...failedEarly } = state;

    const out = await completeRollback(failedEarly, deps());

    expect(out.rollback?.deleted).toEqual([`model/${NEW_MODEL}`, 'endpoint-config/churn-unrecorded']);
    expect(sagemaker.configs.has('churn-unrecorded')).toBe(false);
    // Served by an endpoint, made before the execution started, or tagged with another execution: kept.
    expect(sagemaker.models.has('churn-served')).toBe(true);
    expect(sagemaker.models.has('churn-before')).toBe(true);
    expect(sagemaker.models.has('churn-other-run')).toBe(true);
  });

  it('deletes nothing when onFailure retained the endpoint', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Failed', configName: NEW_CONFIG });

    const out = await completeRollback(rollingBack({ rollback: { action: 'retain' }, action: 'create' }), deps());

    expect(out.rollback).toEqual({ action: 'retain', completed: true, deleted: [] });
    expect(sagemaker.callsOf('deleteEndpointConfig')).toEqual([]);
    expect(sagemaker.callsOf('deleteModel')).toEqual([]);
  });

  it('refuses a state document without the rollback StartRollback records, naming it', async () => {
    const { rollback: _, ...state } = rollingBack({ rollback: restore });

    await expect(completeRollbackHandler(state)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid CompleteRollback input: rollback: .*received undefined/),
    });
  });
});
