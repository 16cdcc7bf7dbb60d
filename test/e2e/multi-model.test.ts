/**
 * Multi-model endpoints end to end: DeployMultiModelEndpoint, AddModelToMultiModelEndpoint and
 * RemoveModelFromMultiModelEndpoint through the synthesized state machines, the local runner and the real handlers,
 * against the emulator, which hosts the example linear model server in multi-model mode.
 */
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeModelCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placedByMetadata } from '../../tasks/_shared/placed-artifacts.ts';
import { describeEndpoint, type Harness, IMAGE, resourcesOf, startHarness } from './harness.ts';

let h: Harness;
const BUCKET = 'e2e-models';

beforeAll(async () => {
  h = await startHarness();
  // Source files of a third model, packaged by the workflow: y = x1 + x2.
  await h.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: 'mme-src/weights.json', Body: '{"coefficients":[1,1],"intercept":0}' }),
  );
});

/** Three models: two model.tar.gz artifacts, and source files to package first. */
const threeModels = () => [
  { name: 'v1', artifact: h.models['linear-v1'] },
  { name: 'v2', artifact: h.models['linear-v2'] },
  { name: 'sum', package: { source: `s3://${BUCKET}/mme-src/`, framework: 'custom' } },
];

afterAll(async () => {
  await h?.close();
});

/** Predicts `1,2` with one model of a multi-model endpoint. */
async function predictWith(endpointName: string, targetModel: string): Promise<string> {
  const out = await h.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpointName,
      TargetModel: targetModel,
      ContentType: 'text/csv',
      Accept: 'application/json',
      Body: '1,2',
    }),
  );
  return new TextDecoder().decode(out.Body).trim();
}

function mmeInput(endpointName: string, overrides: Record<string, unknown> = {}) {
  return {
    endpointName,
    model: { image: IMAGE, prefix: `s3://${BUCKET}/mme/${endpointName}/` },
    models: [
      { name: 'v1', artifact: h.models['linear-v1'] },
      { name: 'v2', artifact: h.models['linear-v2'] },
    ],
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '1,2', expectedOutputContains: 'predictions' },
      ],
      invocations: 3,
    },
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    ...overrides,
  };
}

type Placed = { name: string; targetModel: string; s3Uri: string; created: boolean };

describe('DeployMultiModelEndpoint', () => {
  it('places three models (one packaged first), deploys one multi-model container, checks each cold and warm', async () => {
    const result = await h.runner.start('DeployMultiModelEndpoint', mmeInput('mme-deploy', { models: threeModels() }))
      .result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const output = result.output as {
      placedModels: Placed[];
      model: { name: string };
      healthCheck: { models: { targetModel: string; coldMs: number; succeeded: number; invocations: number }[] };
    };
    expect(output.placedModels.map((m) => m.targetModel)).toEqual([
      expect.stringMatching(/^v1-[0-9a-f]{10}\.tar\.gz$/),
      expect.stringMatching(/^v2-[0-9a-f]{10}\.tar\.gz$/),
      expect.stringMatching(/^sum-[0-9a-f]{10}\.tar\.gz$/),
    ]);
    const described = await h.sagemaker.send(new DescribeModelCommand({ ModelName: output.model.name }));
    expect(described.PrimaryContainer).toMatchObject({
      Mode: 'MultiModel',
      ModelDataUrl: `s3://${BUCKET}/mme/mme-deploy/`,
    });
    expect(output.healthCheck.models.map((m) => [m.succeeded, m.invocations])).toEqual([
      [3, 3],
      [3, 3],
      [3, 3],
    ]);
    expect(output.healthCheck.models.every((m) => m.coldMs >= 0)).toBe(true);
    const [v1, v2, sum] = output.placedModels as [Placed, Placed, Placed];
    expect(await predictWith('mme-deploy', v1.targetModel)).toBe('{"predictions":[9]}');
    expect(await predictWith('mme-deploy', v2.targetModel)).toBe('{"predictions":[9.5]}');
    expect(await predictWith('mme-deploy', sum.targetModel)).toBe('{"predictions":[3]}');
  });
});

/** The keys under an endpoint's prefix. */
async function keysUnder(endpointName: string): Promise<string[]> {
  const out = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `mme/${endpointName}/` }));
  return (out.Contents ?? []).map((o) => (o.Key ?? '').slice(`mme/${endpointName}/`.length)).sort();
}

const sample = {
  contentType: 'text/csv',
  accept: 'application/json',
  body: '1,2',
  expectedOutputContains: 'predictions',
};

describe('AddModelToMultiModelEndpoint', () => {
  it('adds a fourth model while the others keep serving (0 errors), loads and checks it, gives its TargetModel', async () => {
    const deployed = await h.runner.start('DeployMultiModelEndpoint', mmeInput('mme-add', { models: threeModels() }))
      .result;
    const others = (deployed.output as { placedModels: Placed[] }).placedModels;
    let invocations = 0;
    const errors: string[] = [];
    let adding = true;
    const background = (async () => {
      while (adding) {
        try {
          await predictWith('mme-add', (others[invocations % others.length] as Placed).targetModel);
          invocations += 1;
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    })();

    const added = await h.runner.start('AddModelToMultiModelEndpoint', {
      endpointName: 'mme-add',
      model: { name: 'v2-retrained', artifact: h.models['linear-v2'] },
      healthCheck: { samples: [sample], invocations: 3 },
    }).result;
    adding = false;
    await background;

    expect(added.status, added.cause).toBe('SUCCEEDED');
    const placed = added.output as Placed;
    expect(placed).toMatchObject({ name: 'v2-retrained', created: true });
    expect(placed.targetModel).toMatch(/^v2-retrained-[0-9a-f]{10}\.tar\.gz$/);
    expect(await predictWith('mme-add', placed.targetModel)).toContain('predictions');
    expect(invocations).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(await keysUnder('mme-add')).toHaveLength(4);
  });

  it('refuses the same name with other content: ResourceConflictError, and the key it has is untouched', async () => {
    await h.runner.start('DeployMultiModelEndpoint', mmeInput('mme-conflict')).result;
    const before = await keysUnder('mme-conflict');
    const v1Key = before.find((key) => key.startsWith('v1-')) as string;
    const head = await h.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `mme/mme-conflict/${v1Key}` }));

    const result = await h.runner.start('AddModelToMultiModelEndpoint', {
      endpointName: 'mme-conflict',
      model: { name: 'v1', artifact: h.models['linear-v2'] },
      healthCheck: { samples: [sample] },
    }).result;

    expect(result).toMatchObject({ status: 'FAILED', error: 'ResourceConflictError' });
    expect(result.cause).toContain(`Model v1 is already under s3://${BUCKET}/mme/mme-conflict/ as ${v1Key}`);
    expect(await keysUnder('mme-conflict')).toEqual(before);
    const after = await h.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `mme/mme-conflict/${v1Key}` }));
    expect(after.ETag).toBe(head.ETag);
  });

  it('deletes the key it created when the new model fails its health check', async () => {
    await h.runner.start('DeployMultiModelEndpoint', mmeInput('mme-add-broken')).result;

    const result = await h.runner.start('AddModelToMultiModelEndpoint', {
      endpointName: 'mme-add-broken',
      model: { name: 'v3', artifact: h.models['linear-v3-broken'] },
      healthCheck: { samples: [sample] },
    }).result;

    expect(result).toMatchObject({ status: 'FAILED', error: 'HealthCheckFailedError' });
    expect(await keysUnder('mme-add-broken')).toEqual([expect.stringMatching(/^v1-/), expect.stringMatching(/^v2-/)]);
  });
});

describe('RemoveModelFromMultiModelEndpoint', () => {
  it("deletes the key; with the cache Disabled new invocations of the model fail with SageMaker's error", async () => {
    const deployed = await h.runner.start(
      'DeployMultiModelEndpoint',
      mmeInput('mme-remove', {
        model: { image: IMAGE, prefix: `s3://${BUCKET}/mme/mme-remove/`, cacheSetting: 'Disabled' },
      }),
    ).result;
    const [v1, v2] = (deployed.output as { placedModels: Placed[] }).placedModels as [Placed, Placed];

    const result = await h.runner.start('RemoveModelFromMultiModelEndpoint', {
      endpointName: 'mme-remove',
      targetModel: v1.targetModel,
      probe: { contentType: 'text/csv', body: '1,2' },
    }).result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ targetModel: v1.targetModel, existed: true, newInvocations: 'refused' });
    expect(await keysUnder('mme-remove')).toEqual([v2.targetModel]);
    await expect(predictWith('mme-remove', v1.targetModel)).rejects.toMatchObject({ name: 'ValidationError' });
    expect(await predictWith('mme-remove', v2.targetModel)).toContain('predictions');
  });

  it("refuses a TargetModel outside the endpoint's prefix and deletes nothing", async () => {
    await h.runner.start('DeployMultiModelEndpoint', mmeInput('mme-escape')).result;
    const before = await keysUnder('mme-escape');

    const result = await h.runner.start('RemoveModelFromMultiModelEndpoint', {
      endpointName: 'mme-escape',
      targetModel: '../mme-add/v1.tar.gz',
    }).result;

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain("is not a key under the endpoint's prefix");
    expect(await keysUnder('mme-escape')).toEqual(before);
  });
});

describe('multi-model rollback and bad input', () => {
  it('rolls back a first deployment when one model fails its health check: the endpoint and the artifacts it placed are deleted', async () => {
    const input = mmeInput('mme-broken', {
      models: [
        { name: 'v1', artifact: h.models['linear-v1'] },
        { name: 'v3', artifact: h.models['linear-v3-broken'] },
      ],
    });
    // Under the prefix already, at keys the run lists (they start with a model's name): one another execution placed,
    // one put there by hand.
    const others = ['v1-archive-0123456789.tar.gz', 'v3-notes.txt'];
    await h.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `mme/mme-broken/${others[0]}`,
        Body: 'an earlier model',
        Metadata: placedByMetadata('arn:aws:states:us-east-1:123456789012:execution:DeployMultiModelEndpoint:earlier'),
      }),
    );
    await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `mme/mme-broken/${others[1]}`, Body: 'notes' }));

    const result = await h.runner.start('DeployMultiModelEndpoint', input).result;

    expect(result).toMatchObject({ status: 'FAILED', error: 'HealthCheckFailedError' });
    expect(result.cause).toContain('model v3-');
    expect(await describeEndpoint(h, 'mme-broken')).toBeUndefined();
    expect(await resourcesOf(h, 'mme-broken')).toMatchObject({ configs: [], endpoints: [] });
    // The two copies PlaceModel made name this execution in their metadata: the rollback deleted them, and only them.
    expect(await keysUnder('mme-broken')).toEqual(others);
    // ... and the rollback's event lists what it deleted.
    const rolledBack = (await h.emulator.readEvents())
      .filter((e) => e['detail-type'] === 'Deployment Rolled Back')
      .map((e) => e.detail as { endpointName: string; removedArtifacts?: string[] })
      .filter((detail) => detail.endpointName === 'mme-broken');
    expect(rolledBack).toHaveLength(1);
    const removed = rolledBack.flatMap((detail) => detail.removedArtifacts ?? []);
    expect(removed.map((uri) => uri.replace(/-[^/]*$/, ''))).toEqual([
      `s3://${BUCKET}/mme/mme-broken/v1`,
      `s3://${BUCKET}/mme/mme-broken/v3`,
    ]);
  });

  it.each([
    [
      'a prefix without its trailing /',
      { model: { image: IMAGE, prefix: `s3://${BUCKET}/mme/no-slash` } },
      'model.prefix',
    ],
    [
      'a serverless variant',
      { variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } }] },
      'variants[0].serverless: multi-model endpoints run on instances',
    ],
    [
      'duplicate model names',
      {
        models: [
          { name: 'a', artifact: 's3://bucket1/a.tar.gz' },
          { name: 'a', artifact: 's3://bucket1/b.tar.gz' },
        ],
      },
      'models: model names must be unique',
    ],
  ])('rejects %s at its first state, creating nothing', async (_what, overrides, message) => {
    const result = await h.runner.start('DeployMultiModelEndpoint', mmeInput('mme-bad', overrides)).result;

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain(message);
    expect(await resourcesOf(h, 'mme-bad')).toEqual({ models: [], configs: [], endpoints: [] });
  });

  it('rejects a TargetModel over 1024 characters at the first state of the removal', async () => {
    const result = await h.runner.start('RemoveModelFromMultiModelEndpoint', {
      endpointName: 'mme-deploy',
      targetModel: `${'m'.repeat(1025)}`,
    }).result;

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain('targetModel: Too big: expected string to have <=1024 characters');
  });
});
