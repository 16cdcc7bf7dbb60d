/** The multi-model steps' cores, with fake S3, SageMaker and runtime: what they place, refuse, retry and report. */

import { describe, expect, it } from 'vitest';
import { HealthCheckSpec } from '../../contracts/parts/endpoint.ts';
import type { InvocationRequest, InvocationResult } from '../../tasks/_shared/endpoint-runtime.ts';
import { PLACED_BY_METADATA } from '../../tasks/_shared/placed-artifacts.ts';
import { deleteModelArtifact } from '../../tasks/delete-model-artifact/delete-model-artifact.ts';
import { healthCheck } from '../../tasks/health-check/health-check.ts';
import { placeModel } from '../../tasks/place-model/place-model.ts';
import { resolveMultiModelEndpoint } from '../../tasks/resolve-multi-model-endpoint/resolve-multi-model-endpoint.ts';
import { verifyModelRemoved } from '../../tasks/verify-model-removed/verify-model-removed.ts';
import { warmUpModel } from '../../tasks/warm-up-model/warm-up-model.ts';
import { FakeSageMaker } from './fakes.ts';
import { fakeArtifactStore } from './package-fakes.ts';

const PREFIX = 's3://artifacts/mme/churn/';

function placing(name: string, artifact: string) {
  return { request: { model: { name, artifact } }, multiModel: { prefix: PREFIX } };
}

describe('placeModel', () => {
  it('copies a new model to <prefix><name>-<content hash>.tar.gz and names that key its TargetModel', async () => {
    const objects = fakeArtifactStore({ 'models/eu/model.tar.gz': 'eu weights' });

    const out = await placeModel(placing('eu', 's3://models/eu/model.tar.gz'), { objects });

    expect(out.placed).toEqual({
      name: 'eu',
      targetModel: expect.stringMatching(/^eu-[0-9a-f]{10}\.tar\.gz$/),
      s3Uri: `${PREFIX}${out.placed.targetModel}`,
      created: true,
    });
    expect(objects.objects.get(`artifacts/mme/churn/${out.placed.targetModel}`)?.body.toString()).toBe('eu weights');
  });

  it('names the execution that placed a copy in its metadata, the evidence a rollback deletes it by', async () => {
    const objects = fakeArtifactStore({ 'models/eu/model.tar.gz': 'eu weights' });
    const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:DeployMultiModelEndpoint:run-1' };

    await placeModel({ ...placing('eu', 's3://models/eu/model.tar.gz'), execution }, { objects });

    expect(objects.copies[0]?.metadata).toEqual({ [PLACED_BY_METADATA]: execution.id });
  });

  it('reuses the key of the same name and content (a retry), copying nothing', async () => {
    const objects = fakeArtifactStore({ 'models/eu/model.tar.gz': 'eu weights' });
    const first = await placeModel(placing('eu', 's3://models/eu/model.tar.gz'), { objects });

    const again = await placeModel(placing('eu', 's3://models/eu/model.tar.gz'), { objects });

    expect(again.placed).toEqual({ ...first.placed, created: false });
    expect(objects.copies).toHaveLength(1);
  });

  it('refuses the same name with other content, overwriting nothing', async () => {
    const objects = fakeArtifactStore({ 'models/eu/1.tar.gz': 'eu v1', 'models/eu/2.tar.gz': 'eu v2' });
    const first = await placeModel(placing('eu', 's3://models/eu/1.tar.gz'), { objects });

    const second = placeModel(placing('eu', 's3://models/eu/2.tar.gz'), { objects });

    await expect(second).rejects.toMatchObject({
      name: 'ResourceConflictError',
      message: expect.stringContaining(`Model eu is already under ${PREFIX} as ${first.placed.targetModel}`),
    });
    expect(objects.copies).toHaveLength(1);
  });

  it('tells a name from a longer one that starts with it', async () => {
    const objects = fakeArtifactStore({ 'models/1.tar.gz': 'eu-west', 'models/2.tar.gz': 'eu' });
    await placeModel(placing('eu-west', 's3://models/1.tar.gz'), { objects });

    const out = await placeModel(placing('eu', 's3://models/2.tar.gz'), { objects });

    expect(out.placed.created).toBe(true);
  });

  it('names the packaged archive by its digest', async () => {
    const objects = fakeArtifactStore({ 'artifacts/packages/custom-0123456789/model.tar.gz': 'packed' });
    const state = {
      ...placing('eu', 's3://unused/x.tar.gz'),
      packaging: {
        packaged: {
          modelDataUrl: 's3://artifacts/packages/custom-0123456789/model.tar.gz',
          sha256: 'abcdef0123'.repeat(6),
        },
      },
    };

    const out = await placeModel(state, { objects });

    expect(out.placed.targetModel).toBe('eu-abcdef0123.tar.gz');
  });

  it('refuses an artifact that does not exist, naming the field', async () => {
    const out = placeModel(placing('eu', 's3://models/none.tar.gz'), { objects: fakeArtifactStore() });

    await expect(out).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'model.artifact: no object at s3://models/none.tar.gz',
    });
  });
});

describe('deleteModelArtifact', () => {
  const deleting = (targetModel: string) => ({ multiModel: { prefix: PREFIX }, modelToDelete: { targetModel } });
  const deps = () => {
    const objects = fakeArtifactStore({ 'artifacts/mme/churn/eu-0123456789.tar.gz': 'eu' });
    const deletedKeys: string[] = [];
    return {
      deletedKeys,
      deps: {
        objects,
        deleteObject: async ({ bucket, key }: { bucket: string; key: string }) =>
          void deletedKeys.push(`${bucket}/${key}`),
      },
    };
  };

  it('deletes the model object under the prefix', async () => {
    const { deps: d, deletedKeys } = deps();

    const out = await deleteModelArtifact(deleting('eu-0123456789.tar.gz'), d);

    expect(out.deleted).toEqual({
      targetModel: 'eu-0123456789.tar.gz',
      s3Uri: `${PREFIX}eu-0123456789.tar.gz`,
      existed: true,
    });
    expect(deletedKeys).toEqual(['artifacts/mme/churn/eu-0123456789.tar.gz']);
  });

  it('reports a key that was not there, deleting nothing', async () => {
    const { deps: d, deletedKeys } = deps();

    const out = await deleteModelArtifact(deleting('us-0123456789.tar.gz'), d);

    expect(out.deleted.existed).toBe(false);
    expect(deletedKeys).toEqual([]);
  });

  it.each([
    '../other/eu.tar.gz',
    'a/../../b.tar.gz',
    './eu.tar.gz',
    '/eu.tar.gz',
    's3://artifacts/mme/churn/eu.tar.gz',
  ])('refuses %s, which leaves the prefix or is not relative to it', async (targetModel) => {
    const { deps: d, deletedKeys } = deps();

    await expect(deleteModelArtifact(deleting(targetModel), d)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining("is not a key under the endpoint's prefix"),
    });
    expect(deletedKeys).toEqual([]);
  });
});

const SAMPLE = { body: '1,2', contentType: 'text/csv', expectedStatus: 200 };
const warming = {
  request: { endpointName: 'churn', healthCheck: { samples: [SAMPLE] } },
  placed: { targetModel: 'eu-0123456789.tar.gz' },
};
const answering = (result: InvocationResult) => {
  const requests: InvocationRequest[] = [];
  let now = 0;
  return {
    requests,
    deps: {
      invoke: async (request: InvocationRequest) => {
        requests.push(request);
        now += 40;
        return result;
      },
      clock: () => now,
    },
  };
};

describe('warmUpModel', () => {
  it('invokes the model once and records its cold latency, adding it to the warmed-up models', async () => {
    const { deps, requests } = answering({ status: 200, body: '{"predictions":[9]}' });

    const out = await warmUpModel({ ...warming, warmedUp: [{ targetModel: 'us-1.tar.gz', coldMs: 12 }] }, deps);

    expect(requests).toEqual([
      { endpointName: 'churn', targetModel: 'eu-0123456789.tar.gz', body: '1,2', contentType: 'text/csv' },
    ]);
    expect(out.warmUp).toEqual({ targetModel: 'eu-0123456789.tar.gz', coldMs: 40 });
    expect(out.warmedUp.map((m) => m.targetModel)).toEqual(['us-1.tar.gz', 'eu-0123456789.tar.gz']);
  });

  it('raises ModelNotReadyError, which the state machine retries, while the endpoint is still loading', async () => {
    const { deps } = answering({
      error: 'InvokeEndpoint failed with ModelNotReadyException: not ready',
      errorName: 'ModelNotReadyException',
    });

    await expect(warmUpModel(warming, deps)).rejects.toMatchObject({ name: 'ModelNotReadyError' });
  });

  it('fails the warm-up when SageMaker cannot load the model', async () => {
    const { deps } = answering({
      error: 'InvokeEndpoint failed with ValidationError: Failed to download model data',
      errorName: 'ValidationError',
    });

    await expect(warmUpModel(warming, deps)).rejects.toMatchObject({
      name: 'HealthCheckFailedError',
      message: expect.stringContaining('did not load eu-0123456789.tar.gz'),
    });
  });
});

describe('verifyModelRemoved', () => {
  const removed = {
    request: { endpointName: 'churn', probe: { body: '1,2', contentType: 'text/csv' } },
    deleted: { targetModel: 'eu-0123456789.tar.gz' },
  };

  it('reports refused when SageMaker can no longer load the model', async () => {
    const { deps } = answering({
      error: 'InvokeEndpoint failed with ValidationError: Failed to download model data',
      errorName: 'ValidationError',
    });

    expect((await verifyModelRemoved(removed, deps)).removal).toEqual({
      newInvocations: 'refused',
      detail: 'InvokeEndpoint failed with ValidationError: Failed to download model data',
    });
  });

  it('reports still-loaded when a copy loaded before answers', async () => {
    const { deps } = answering({ status: 200, body: '{}' });

    expect((await verifyModelRemoved(removed, deps)).removal.newInvocations).toBe('still-loaded');
  });
});

describe('resolveMultiModelEndpoint', () => {
  const resolving = { request: { endpointName: 'churn' } };

  it("finds the endpoint's multi-model container and its prefix", async () => {
    const sagemaker = new FakeSageMaker();
    sagemaker.seedModel('churn-mme', {
      container: {
        Image: 'img:1',
        ModelDataUrl: 's3://artifacts/mme/churn',
        Mode: 'MultiModel',
        MultiModelConfig: { ModelCacheSetting: 'Disabled' },
      },
    });
    sagemaker.seedConfig('churn-config', ['churn-mme']);
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: 'churn-config' });

    const out = await resolveMultiModelEndpoint(resolving, { sagemaker });

    expect(out.multiModel).toEqual({
      prefix: 's3://artifacts/mme/churn/',
      modelName: 'churn-mme',
      endpointConfigName: 'churn-config',
      cacheSetting: 'Disabled',
    });
  });

  it('refuses an endpoint that serves one model, naming endpointName', async () => {
    const sagemaker = new FakeSageMaker();
    sagemaker.seedModel('churn-single', { container: { Image: 'img:1', ModelDataUrl: 's3://artifacts/m.tar.gz' } });
    sagemaker.seedConfig('churn-config', ['churn-single']);
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: 'churn-config' });

    await expect(resolveMultiModelEndpoint(resolving, { sagemaker })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^endpointName: endpoint churn is not a multi-model endpoint/),
    });
  });

  it('refuses an endpoint that does not exist, and waits for a busy one', async () => {
    const sagemaker = new FakeSageMaker();

    await expect(resolveMultiModelEndpoint(resolving, { sagemaker })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'endpointName: no endpoint named churn',
    });
    sagemaker.putEndpoint({ name: 'churn', status: 'Updating', configName: 'churn-config' });
    await expect(resolveMultiModelEndpoint(resolving, { sagemaker })).rejects.toMatchObject({
      name: 'EndpointBusyError',
    });
  });
});

describe('healthCheck of a multi-model endpoint', () => {
  it('runs every sample against each warmed-up model and reports each one cold and warm', async () => {
    const { deps, requests } = answering({ status: 200, body: '{"predictions":[9]}' });
    const spec = HealthCheckSpec.parse({ samples: [SAMPLE], invocations: 2 });
    const state = {
      request: { endpointName: 'churn', healthCheck: spec },
      warmedUp: [
        { targetModel: 'eu-1.tar.gz', coldMs: 300 },
        { targetModel: 'us-1.tar.gz', coldMs: 500 },
      ],
    };

    const out = await healthCheck(state, deps);

    expect(requests.map((r) => r.targetModel)).toEqual(['eu-1.tar.gz', 'eu-1.tar.gz', 'us-1.tar.gz', 'us-1.tar.gz']);
    expect(out.healthCheck.invocations).toBe(4);
    expect(out.healthCheck.models).toEqual([
      { targetModel: 'eu-1.tar.gz', coldMs: 300, warmMs: { p50: 40, p95: 40 }, succeeded: 2, invocations: 2 },
      { targetModel: 'us-1.tar.gz', coldMs: 500, warmMs: { p50: 40, p95: 40 }, succeeded: 2, invocations: 2 },
    ]);
  });
});
