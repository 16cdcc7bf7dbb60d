/**
 * Multi-model endpoints end to end: DeployMultiModelEndpoint, AddModelToMultiModelEndpoint and
 * RemoveModelFromMultiModelEndpoint through the synthesized state machines, the local runner and the real handlers,
 * against the emulator, which hosts the example linear model server in multi-model mode.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeModelCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, IMAGE, startHarness } from './harness.ts';

let h: Harness;
const BUCKET = 'e2e-models';

beforeAll(async () => {
  h = await startHarness();
});

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
  it('places the models, deploys one multi-model container, and checks every model, cold and warm', async () => {
    const result = await h.runner.start('DeployMultiModelEndpoint', mmeInput('mme-deploy')).result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const output = result.output as {
      placedModels: Placed[];
      model: { name: string };
      healthCheck: { models: { targetModel: string; coldMs: number; succeeded: number; invocations: number }[] };
    };
    expect(output.placedModels.map((m) => m.targetModel)).toEqual([
      expect.stringMatching(/^v1-[0-9a-f]{10}\.tar\.gz$/),
      expect.stringMatching(/^v2-[0-9a-f]{10}\.tar\.gz$/),
    ]);
    const described = await h.sagemaker.send(new DescribeModelCommand({ ModelName: output.model.name }));
    expect(described.PrimaryContainer).toMatchObject({
      Mode: 'MultiModel',
      ModelDataUrl: `s3://${BUCKET}/mme/mme-deploy/`,
    });
    expect(output.healthCheck.models.map((m) => [m.succeeded, m.invocations])).toEqual([
      [3, 3],
      [3, 3],
    ]);
    const [v1, v2] = output.placedModels as [Placed, Placed];
    expect(await predictWith('mme-deploy', v1.targetModel)).toBe('{"predictions":[9]}');
    expect(await predictWith('mme-deploy', v2.targetModel)).not.toBe('{"predictions":[9]}');
  });
});
