import { beforeEach, describe, expect, it } from 'vitest';
import { resourceName } from '../../tasks/_shared/names.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import { finalizeDeployment } from '../../tasks/finalize-deployment/finalize-deployment.ts';
import { handler as finalizeDeploymentHandler } from '../../tasks/finalize-deployment/handler.ts';
import {
  deploymentState,
  endpointArn,
  endpointConfigArn,
  FakeSageMaker,
  modelArn,
  ownedBy,
  validInput,
} from './fakes.ts';

/** The config and model names the project would generate for version `n` of an endpoint. */
const configOf = (endpoint: string, n: number) => resourceName(endpoint, { config: n });
const modelOf = (endpoint: string, n: number) => resourceName(endpoint, { model: n });

/**
 * Seeds versions 1..count of an endpoint, oldest first, each an owned config using its own owned model,
 * and an endpoint InService on `serving` (by default the newest).
 */
function seedVersions(sagemaker: FakeSageMaker, endpoint: string, count: number, serving = count) {
  for (let n = 1; n <= count; n++) {
    sagemaker.seedModel(modelOf(endpoint, n), { tags: ownedBy(endpoint) });
    sagemaker.seedConfig(configOf(endpoint, n), [modelOf(endpoint, n)], { tags: ownedBy(endpoint) });
  }
  sagemaker.putEndpoint({ name: endpoint, status: 'InService', configName: configOf(endpoint, serving) });
}

/** The state after a verified, healthy deployment of version `n`. */
function verifiedState(n: number, input = validInput(), endpoint = input.endpointName) {
  return deploymentState(input, {
    model: { name: modelOf(endpoint, n), arn: modelArn(modelOf(endpoint, n)), created: true },
    endpointConfig: { name: configOf(endpoint, n), arn: endpointConfigArn(configOf(endpoint, n)), created: true },
    endpoint: {
      name: endpoint,
      arn: endpointArn(endpoint),
      action: 'update' as const,
      previousConfigName: configOf(endpoint, n - 1),
    },
  });
}

const remainingConfigs = (sagemaker: FakeSageMaker) => [...sagemaker.configs.keys()].sort();
const remainingModels = (sagemaker: FakeSageMaker) => [...sagemaker.models.keys()].sort();

describe('finalizeDeployment', () => {
  let sagemaker: FakeSageMaker;

  beforeEach(() => {
    sagemaker = new FakeSageMaker();
  });

  it('tags the endpoint with the model version, config and execution, plus the user tags', async () => {
    seedVersions(sagemaker, 'churn', 1);

    const out = await finalizeDeployment(verifiedState(1, validInput({ tags: { team: 'ml' } })), { sagemaker });

    const expected = {
      team: 'ml',
      [TagKeys.endpoint]: 'churn',
      [TagKeys.execution]: 'deploy-churn-1',
      [TagKeys.modelVersion]: '1.4.0',
      [TagKeys.endpointConfig]: configOf('churn', 1),
    };
    expect(sagemaker.tags.get(endpointArn('churn'))).toEqual(expected);
    expect(out.finalized?.tags).toEqual(expected);
  });

  it('uses the model name as the version tag when no model version is given', async () => {
    seedVersions(sagemaker, 'churn', 1);
    const { modelVersion: _, ...input } = validInput();

    await finalizeDeployment(verifiedState(1, input), { sagemaker });

    expect(sagemaker.tags.get(endpointArn('churn'))?.[TagKeys.modelVersion]).toBe(modelOf('churn', 1));
  });

  it('keeps the newest retainVersions configs and their models, and deletes the older ones', async () => {
    seedVersions(sagemaker, 'churn', 4);

    const out = await finalizeDeployment(verifiedState(4), { sagemaker });

    expect(remainingConfigs(sagemaker)).toEqual([configOf('churn', 3), configOf('churn', 4)].sort());
    expect(remainingModels(sagemaker)).toEqual([modelOf('churn', 3), modelOf('churn', 4)].sort());
    expect(out.finalized?.deleted.sort()).toEqual(
      [
        `endpoint-config/${configOf('churn', 1)}`,
        `endpoint-config/${configOf('churn', 2)}`,
        `model/${modelOf('churn', 1)}`,
        `model/${modelOf('churn', 2)}`,
      ].sort(),
    );
    expect(out.finalized?.warnings).toEqual([]);
  });

  it('keeps only the serving version when retainVersions is 1', async () => {
    seedVersions(sagemaker, 'churn', 3);

    await finalizeDeployment(verifiedState(3, validInput({ retainVersions: 1 })), { sagemaker });

    expect(remainingConfigs(sagemaker)).toEqual([configOf('churn', 3)]);
    expect(remainingModels(sagemaker)).toEqual([modelOf('churn', 3)]);
  });

  it('keeps the serving config and its model even when they are older than the retained versions', async () => {
    seedVersions(sagemaker, 'churn', 4, 1);

    await finalizeDeployment(verifiedState(1), { sagemaker });

    expect(remainingConfigs(sagemaker)).toEqual(
      [configOf('churn', 1), configOf('churn', 3), configOf('churn', 4)].sort(),
    );
    expect(remainingModels(sagemaker)).toEqual([modelOf('churn', 1), modelOf('churn', 3), modelOf('churn', 4)].sort());
  });

  it('keeps a config the endpoint is switching to, even if it is old', async () => {
    seedVersions(sagemaker, 'churn', 4);
    sagemaker.putEndpoint({
      name: 'churn',
      status: 'Updating',
      configName: configOf('churn', 4),
      pendingConfigName: configOf('churn', 1),
    });

    await finalizeDeployment(verifiedState(4), { sagemaker });

    expect(sagemaker.configs.has(configOf('churn', 1))).toBe(true);
    expect(sagemaker.models.has(modelOf('churn', 1))).toBe(true);
    expect(sagemaker.configs.has(configOf('churn', 2))).toBe(false);
  });

  it('keeps a model that a retained config still uses, though an old config used it too', async () => {
    const shared = modelOf('churn', 99);
    sagemaker.seedModel(shared, { tags: ownedBy('churn') });
    sagemaker.seedConfig(configOf('churn', 1), [shared], { tags: ownedBy('churn') });
    sagemaker.seedConfig(configOf('churn', 2), [modelOf('churn', 2)], { tags: ownedBy('churn') });
    sagemaker.seedModel(modelOf('churn', 2), { tags: ownedBy('churn') });
    sagemaker.seedConfig(configOf('churn', 3), [shared, modelOf('churn', 3)], { tags: ownedBy('churn') });
    sagemaker.seedModel(modelOf('churn', 3), { tags: ownedBy('churn') });
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: configOf('churn', 3) });

    await finalizeDeployment(verifiedState(3, validInput({ retainVersions: 1 })), { sagemaker });

    expect(remainingConfigs(sagemaker)).toEqual([configOf('churn', 3)]);
    expect(remainingModels(sagemaker)).toEqual([modelOf('churn', 3), shared].sort());
  });

  it('never deletes configs or models that are not tagged as owned by this endpoint', async () => {
    seedVersions(sagemaker, 'churn', 3);
    sagemaker.tags.set(endpointConfigArn(configOf('churn', 1)), { team: 'ml' });
    sagemaker.seedModel(modelOf('churn', 50), { tags: ownedBy('fraud') });
    sagemaker.seedModel(modelOf('churn', 51));

    const out = await finalizeDeployment(verifiedState(3, validInput({ retainVersions: 1 })), { sagemaker });

    expect(sagemaker.configs.has(configOf('churn', 1))).toBe(true);
    expect(sagemaker.models.has(modelOf('churn', 1))).toBe(true);
    expect(sagemaker.models.has(modelOf('churn', 50))).toBe(true);
    expect(sagemaker.models.has(modelOf('churn', 51))).toBe(true);
    expect(out.finalized?.deleted.sort()).toEqual([
      `endpoint-config/${configOf('churn', 2)}`,
      `model/${modelOf('churn', 2)}`,
    ]);
  });

  it('ignores resources of another endpoint whose name starts with this one', async () => {
    seedVersions(sagemaker, 'churn', 3);
    seedVersions(sagemaker, 'churn-v2', 3);
    // Owned by churn by mistake: only the name tells them apart.
    sagemaker.seedConfig(`churn-v2-${'0'.repeat(10)}`, [modelOf('churn-v2', 1)], { tags: ownedBy('churn') });

    await finalizeDeployment(verifiedState(3), { sagemaker });

    expect(remainingConfigs(sagemaker).filter((name) => name.startsWith('churn-v2-'))).toHaveLength(4);
    expect(remainingModels(sagemaker).filter((name) => name.startsWith('churn-v2-'))).toHaveLength(3);
    expect(remainingConfigs(sagemaker).filter((name) => !name.startsWith('churn-v2-'))).toEqual(
      [configOf('churn', 2), configOf('churn', 3)].sort(),
    );
  });

  it('does not count another endpoint’s newer configs against the retained versions', async () => {
    seedVersions(sagemaker, 'churn', 3);
    for (let n = 1; n <= 3; n++) sagemaker.seedConfig(configOf('churn-v2', n), [], { tags: ownedBy('churn-v2') });

    await finalizeDeployment(verifiedState(3), { sagemaker });

    expect(sagemaker.configs.has(configOf('churn', 2))).toBe(true);
    expect(sagemaker.configs.has(configOf('churn', 1))).toBe(false);
  });

  it('cleans up old versions of an endpoint whose name was shortened in resource names', async () => {
    const endpoint = `churn-${'x'.repeat(50)}-model`;
    seedVersions(sagemaker, endpoint, 3);

    const out = await finalizeDeployment(verifiedState(3, validInput({ endpointName: endpoint })), { sagemaker });

    expect(remainingConfigs(sagemaker)).toEqual([configOf(endpoint, 2), configOf(endpoint, 3)].sort());
    expect(remainingModels(sagemaker)).toEqual([modelOf(endpoint, 2), modelOf(endpoint, 3)].sort());
    expect(out.finalized?.deleted).toHaveLength(2);
  });

  it('reports a config it could not delete as a warning, and keeps that config’s model', async () => {
    seedVersions(sagemaker, 'churn', 3);
    sagemaker.failNext(
      'deleteEndpointConfig',
      configOf('churn', 1),
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );

    const out = await finalizeDeployment(verifiedState(3), { sagemaker });

    expect(out.finalized?.warnings).toEqual([
      `could not delete endpoint config ${configOf('churn', 1)}: ThrottlingException: Rate exceeded`,
    ]);
    expect(sagemaker.configs.has(configOf('churn', 1))).toBe(true);
    expect(sagemaker.models.has(modelOf('churn', 1))).toBe(true);
    expect(out.finalized?.deleted).toEqual([]);
  });

  it('reports a model it could not delete as a warning and carries on', async () => {
    seedVersions(sagemaker, 'churn', 4);
    sagemaker.failNext('deleteModel', modelOf('churn', 1), new Error('Internal failure'));

    const out = await finalizeDeployment(verifiedState(4), { sagemaker });

    expect(out.finalized?.warnings).toEqual([`could not delete model ${modelOf('churn', 1)}: Error: Internal failure`]);
    expect(sagemaker.models.has(modelOf('churn', 2))).toBe(false);
  });

  it('keeps every model, with a warning, when it cannot read which models a kept config uses', async () => {
    seedVersions(sagemaker, 'churn', 4);
    sagemaker.failNext('describeEndpointConfig', configOf('churn', 3), new Error('Internal failure'));

    const out = await finalizeDeployment(verifiedState(4), { sagemaker });

    expect(out.finalized?.warnings).toEqual([
      `could not read endpoint config ${configOf('churn', 3)}, so no models were deleted: Error: Internal failure`,
    ]);
    expect(remainingConfigs(sagemaker)).toEqual([configOf('churn', 3), configOf('churn', 4)].sort());
    expect(remainingModels(sagemaker)).toHaveLength(4);
    expect(out.finalized?.tags[TagKeys.endpointConfig]).toBe(configOf('churn', 4));
  });

  it('refuses a state document without the verified change, naming what is missing', async () => {
    await expect(finalizeDeploymentHandler(deploymentState())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid FinalizeDeployment input: model: .*; endpointConfig: .*; endpoint: /),
    });
  });
});
