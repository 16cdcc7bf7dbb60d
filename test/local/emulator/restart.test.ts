import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  ListModelsCommand,
  UpdateEndpointCommand,
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

  it('resumes creations and updates that were in progress when the emulator stopped', async () => {
    const stateDir = await tempStateDir();
    const first = await startTestEmulator({ stateDir });
    running.push(first);
    const before = clients(first.url);
    const uri = await uploadLinearModel(before.s3, 'models', 'm/model.tar.gz', [1, 1], 0);
    const uri2 = await uploadLinearModel(before.s3, 'models', 'm2/model.tar.gz', [0, 0], 42);
    const slow = { SMWF_EXAMPLE_STARTUP_DELAY_MS: '1500' };
    const models: [string, string, Record<string, string>][] = [
      ['fast', uri, {}],
      ['slow', uri, slow],
      ['slow-v2', uri2, slow],
    ];
    for (const [name, modelUri, environment] of models) {
      await before.sagemaker.send(
        new CreateModelCommand({
          ModelName: name,
          PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: modelUri, Environment: environment },
        }),
      );
      await before.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: name,
          ProductionVariants: [
            { VariantName: 'AllTraffic', ModelName: name, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
          ],
        }),
      );
    }
    await before.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'updated', EndpointConfigName: 'fast' }));
    await waitForEndpoint(before.sagemaker, 'updated');
    await before.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'updated', EndpointConfigName: 'slow-v2' }));
    await before.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'created', EndpointConfigName: 'slow' }));
    const updating = await before.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'updated' }));
    const creating = await before.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'created' }));
    await first.stop();

    const second = await startTestEmulator({ stateDir });
    running.push(second);
    const after = clients(second.url);
    const updated = await waitForEndpoint(after.sagemaker, 'updated');
    const created = await waitForEndpoint(after.sagemaker, 'created');
    const invoke = async (name: string) => {
      const out = await after.runtime.send(
        new InvokeEndpointCommand({ EndpointName: name, ContentType: 'text/csv', Accept: 'text/csv', Body: '2,3' }),
      );
      return Buffer.from(out.Body).toString('utf8').trim();
    };

    expect(updating.EndpointStatus).toBe('Updating');
    expect(creating.EndpointStatus).toBe('Creating');
    expect(updated.EndpointStatus).toBe('InService');
    expect(updated.EndpointConfigName).toBe('slow-v2');
    expect(created.EndpointStatus).toBe('InService');
    expect(await invoke('updated')).toBe('42');
    expect(await invoke('created')).toBe('5');
  });
});
