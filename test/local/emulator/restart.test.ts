import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  ListModelsCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clients,
  LINEAR_IMAGE,
  startTestEmulator,
  tempStateDir,
  uploadLinearModel,
  waitForEndpoint,
} from './helpers.ts';

async function logText(stateDir: string): Promise<string> {
  const dir = join(stateDir, 'logs', 'us-east-1', 'aws', 'sagemaker', 'Endpoints', 'durable');
  const files = await readdir(dir);
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return texts.join('\n');
}

describe('emulator restart on the same state directory', () => {
  const running: { stop(): Promise<void> }[] = [];

  afterAll(async () => {
    await Promise.all(running.map((e) => e.stop()));
  });

  it('keeps objects, resources and events, and hosts InService endpoints again', async () => {
    const stateDir = await tempStateDir();
    const first = await startTestEmulator({ stateDir });
    running.push(first);
    const before = clients(first.url);
    const uri = await uploadLinearModel(before.s3, 'models', 'm/model.tar.gz', [1, 1], 0);
    await before.sagemaker.send(
      new CreateModelCommand({ ModelName: 'durable', PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: uri } }),
    );
    await before.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'durable',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'durable', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );
    await before.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'durable', EndpointConfigName: 'durable' }));
    const inService = await waitForEndpoint(before.sagemaker, 'durable');
    const eventsBefore = await first.readEvents();
    await first.stop();

    const logAfterStop = await logText(stateDir);
    const second = await startTestEmulator({ stateDir });
    running.push(second);
    const after = clients(second.url);
    const described = await after.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'durable' }));
    const invoked = await after.runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'durable', ContentType: 'text/csv', Accept: 'text/csv', Body: '2,3' }),
    );
    const models = await after.sagemaker.send(new ListModelsCommand({}));
    const object = await after.s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'm/model.tar.gz' }));

    expect(inService.EndpointStatus).toBe('InService');
    expect(logAfterStop).toContain('SIGTERM, shutting down');
    expect(described.EndpointStatus).toBe('InService');
    expect(described.CreationTime).toEqual(inService.CreationTime);
    expect(Buffer.from(invoked.Body).toString('utf8').trim()).toBe('5');
    expect(models.Models?.map((m) => m.ModelName)).toEqual(['durable']);
    expect((await object.Body?.transformToByteArray())?.length).toBeGreaterThan(0);
    expect((await second.readEvents()).slice(0, eventsBefore.length)).toEqual(eventsBefore);
  });
});
