import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  ListModelsCommand,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clients,
  deployModel,
  errorOf,
  LINEAR_IMAGE,
  modelProcessesWithEnvironment,
  startTestEmulator,
  tempStateDir,
  uploadLinearModel,
  waitForEndpoint,
  waitUntilDeleted,
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

describe("a resumed endpoint's model processes", () => {
  const running: { stop(): Promise<void> }[] = [];

  afterAll(async () => {
    await Promise.all(running.map((e) => e.stop()));
  });

  /** The model processes of the endpoint deployed with `marker` in its model's Environment. */
  const processesOf = (marker: string) => modelProcessesWithEnvironment(`SMWF_TEST_MARKER=${marker}`);

  it('start on its first invocation, not when the emulator loads the state directory; a deletion before then starts none', async () => {
    const stateDir = await tempStateDir();
    const first = await startTestEmulator({ stateDir });
    running.push(first);
    const before = clients(first.url);
    const uri = await uploadLinearModel(before.s3, 'models', 'm/model.tar.gz', [1, 1], 0);
    const marker = (name: string) => `${name}-${process.pid}-${Date.now()}`;
    const used = marker('used');
    const unused = marker('unused');
    for (const [name, value] of [
      ['used', used],
      ['unused', unused],
    ] as const) {
      await deployModel(before.sagemaker, name, {
        PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: uri, Environment: { SMWF_TEST_MARKER: value } },
      });
    }
    const servedBefore = [processesOf(used).length, processesOf(unused).length];
    await first.stop();

    const second = await startTestEmulator({ stateDir });
    running.push(second);
    const after = clients(second.url);
    const loaded = [processesOf(used).length, processesOf(unused).length];
    const described = await Promise.all(
      ['used', 'unused'].map((name) => after.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }))),
    );
    const invoked = await after.runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'used', ContentType: 'text/csv', Accept: 'text/csv', Body: '2,3' }),
    );
    const afterInvocation = [processesOf(used).length, processesOf(unused).length];
    await after.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'unused' }));
    const deleted = await waitUntilDeleted(after.sagemaker, 'unused');

    expect(servedBefore).toEqual([1, 1]);
    expect(loaded).toEqual([0, 0]);
    expect(described.map((d) => d.EndpointStatus)).toEqual(['InService', 'InService']);
    expect(Buffer.from(invoked.Body).toString('utf8').trim()).toBe('5');
    expect(afterInvocation).toEqual([1, 0]);
    expect(deleted.name).toBe('ValidationException');
    expect(processesOf(unused)).toEqual([]);
  });

  it('that do not come back fail the endpoint on its first use, with the reason, as a creation that fails', async () => {
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/comes-back-or-not:1';
    const linearServer = fileURLToPath(new URL('../../../examples/containers/linear/server.mjs', import.meta.url));
    const stateDir = await tempStateDir();
    const first = await startTestEmulator({
      stateDir,
      images: { images: { [image]: { command: [process.execPath, linearServer] } } },
    });
    running.push(first);
    const before = clients(first.url);
    const uri = await uploadLinearModel(before.s3, 'models', 'm/model.tar.gz', [1, 1], 0);
    const served = await deployModel(before.sagemaker, 'gone', {
      PrimaryContainer: { Image: image, ModelDataUrl: uri },
    });
    await first.stop();

    // The image's program is gone: its command now exits at once.
    const second = await startTestEmulator({
      stateDir,
      images: { images: { [image]: { command: [process.execPath, '-e', 'process.exit(3)'] } } },
    });
    running.push(second);
    const after = clients(second.url);
    const loaded = await after.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'gone' }));
    const refused = await errorOf(
      after.runtime.send(new InvokeEndpointCommand({ EndpointName: 'gone', ContentType: 'text/csv', Body: '2,3' })),
    );
    const failed = await after.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'gone' }));
    const events = await second.readEvents();

    expect(served.EndpointStatus).toBe('InService');
    expect(loaded.EndpointStatus).toBe('InService');
    expect(refused.name).toBe('ValidationError');
    expect(failed.EndpointStatus).toBe('Failed');
    expect(failed.FailureReason).toContain('exited with code 3');
    expect(events.at(-1)?.detail).toMatchObject({ EndpointName: 'gone', EndpointStatus: 'FAILED' });
  });
});
