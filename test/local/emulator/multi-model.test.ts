import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelNameFor } from '../../../local/emulator/hosting/multi-model.ts';
import {
  clients,
  errorOf,
  LINEAR_IMAGE,
  linearModelTarball,
  startTestEmulator,
  uploadLinearModel,
  waitForEndpoint,
} from './helpers.ts';

const PREFIX = 's3://mme/models/';

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('emulated multi-model endpoints', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let sagemaker: SageMakerClient;
  let runtime: SageMakerRuntimeClient;
  /** A runtime client that does not retry (ModelNotReadyException is a 429, which the SDK retries). */
  let runtimeOnce: SageMakerRuntimeClient;
  let s3: S3Client;

  async function deploy(
    endpointName: string,
    container: Record<string, unknown> = {},
    variant: Record<string, unknown> = {},
  ): Promise<void> {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: endpointName,
        PrimaryContainer: { Image: LINEAR_IMAGE, Mode: 'MultiModel', ModelDataUrl: PREFIX, ...container },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: endpointName,
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: endpointName,
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 1,
            ...variant,
          },
        ],
      }),
    );
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: endpointName }));
    const described = await waitForEndpoint(sagemaker, endpointName);
    expect(described.EndpointStatus).toBe('InService');
  }

  async function predict(
    endpointName: string,
    targetModel: string | undefined,
    features: number[],
    client = runtime,
  ): Promise<number> {
    const out = await client.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: JSON.stringify([features]),
        ...(targetModel === undefined ? {} : { TargetModel: targetModel }),
      }),
    );
    const answer = JSON.parse(Buffer.from(out.Body).toString('utf8')) as { predictions: number[] };
    return answer.predictions[0] as number;
  }

  /** The endpoint's container logs, newest last. */
  async function logs(endpointName: string): Promise<string[]> {
    const dir = join(emulator.stateDir, 'logs', 'us-east-1', 'aws', 'sagemaker', 'Endpoints', endpointName);
    const files = await Promise.all(
      (await readdir(dir)).map(async (f) => ({ file: join(dir, f), mtime: (await stat(join(dir, f))).mtimeMs })),
    );
    files.sort((a, b) => a.mtime - b.mtime);
    return Promise.all(files.map((f) => readFile(f.file, 'utf8')));
  }

  /** The model names the endpoint's (newest) container reports loaded, through its own `GET /models`. */
  async function loadedInContainer(endpointName: string): Promise<string[]> {
    const log = (await logs(endpointName)).at(-1) ?? '';
    const port = /serving multi-model server on 127\.0\.0\.1:(\d+)/.exec(log)?.[1];
    if (!port) throw new Error(`no port in the log of ${endpointName}`);
    const listed = (await (await fetch(`http://127.0.0.1:${port}/models`)).json()) as {
      models: { modelName: string }[];
    };
    return listed.models.map((m) => m.modelName).sort();
  }

  /** Local copies (`.../models-<n>/<model name>/model`) of the endpoint's models under the emulator's state. */
  async function localCopies(endpointName: string): Promise<string[]> {
    const root = join(emulator.stateDir, 'hosting', 'us-east-1', endpointName);
    const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    return entries
      .map((e) => /models-\d+\/([0-9a-f]{32})\/model$/.exec(e)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
  }

  async function upload(key: string, intercept: number): Promise<void> {
    await s3.send(
      new PutObjectCommand({ Bucket: 'mme', Key: `models/${key}`, Body: await linearModelTarball([1, 0], intercept) }),
    );
  }

  const names = (...targetModels: string[]) => targetModels.map(modelNameFor).sort();

  beforeAll(async () => {
    emulator = await startTestEmulator({ multiModelCapacity: 2, multiModelLoadWaitSeconds: 3 });
    ({ sagemaker, runtime, s3 } = clients(emulator.url));
    runtimeOnce = clients(emulator.url, 1).runtime;
    await uploadLinearModel(s3, 'mme', 'models/a.tar.gz', [1, 0], 100);
    await upload('b.tar.gz', 200);
    await upload('c.tar.gz', 300);
    await upload('team a/v1/model #1+u.tar.gz', 400);
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  describe('TargetModel', () => {
    beforeAll(async () => {
      await deploy('target');
      await sagemaker.send(
        new CreateModelCommand({
          ModelName: 'single',
          PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: 's3://mme/models/a.tar.gz' },
        }),
      );
      await sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'single',
          ProductionVariants: [
            { VariantName: 'AllTraffic', ModelName: 'single', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
          ],
        }),
      );
      await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'single', EndpointConfigName: 'single' }));
      await waitForEndpoint(sagemaker, 'single');
    });

    it('refuses an invocation without TargetModel with AWS ValidationError, naming the request', async () => {
      const err = await errorOf(predict('target', undefined, [1, 1]));

      expect(err.name).toBe('ValidationError');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toBe(
        `Request ${(err.$metadata as { requestId?: string }).requestId} is missing a target model header. Specify the model to invoke (TargetModel, header X-Amzn-SageMaker-Target-Model) when invoking a multi-model endpoint.`,
      );
    });

    it('refuses TargetModel on an endpoint that is not multi-model, with AWS text and error code', async () => {
      const err = await errorOf(predict('single', 'a.tar.gz', [1, 1]));
      const raw = await fetch(`${emulator.url}/endpoints/single/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'x-amzn-sagemaker-target-model': 'a.tar.gz' },
        body: '1,1',
      });

      expect(err.name).toBe('ValidationError');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toBe(
        'Endpoint single is not a multi-model endpoint and does not support target model header.',
      );
      expect(raw.headers.get('x-amzn-errortype')).toBe('ValidationError');
      expect(await raw.json()).toEqual({
        ErrorCode: 'TARGET_MODEL_HEADER_NOT_SUPPORTED',
        Message: 'Endpoint single is not a multi-model endpoint and does not support target model header.',
      });
    });

    it('validates TargetModel length and pattern against the runtime API model', async () => {
      const tooLong = await errorOf(predict('target', 'x'.repeat(1025), [1, 1]));
      const notPrintable = await errorOf(predict('target', 'modèle.tar.gz', [1, 1]));
      const tab = await errorOf(predict('target', 'a\tb.tar.gz', [1, 1]));

      expect(tooLong.name).toBe('ValidationError');
      expect(tooLong.message).toBe(
        `1 validation error detected: Value '${'x'.repeat(1025)}' at 'targetModel' failed to satisfy constraint: Member must have length less than or equal to 1024`,
      );
      for (const err of [notPrintable, tab]) {
        expect(err.name).toBe('ValidationError');
        expect(err.$metadata?.httpStatusCode).toBe(400);
        expect(err.message).toContain(
          "at 'targetModel' failed to satisfy constraint: Member must satisfy regular expression pattern",
        );
      }
    });

    it('answers ValidationError naming bucket and key when the TargetModel object does not exist', async () => {
      const err = await errorOf(predict('target', 'missing/none.tar.gz', [1, 1]));

      expect(err.name).toBe('ValidationError');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toBe(
        'Failed to download model data(bucket: mme, key: models/missing/none.tar.gz). Please ensure that there is an object located at the URL and that the role passed to CreateModel has permissions to download the object.',
      );
      expect(await predict('target', 'a.tar.gz', [1, 0])).toBe(101);
    });

    it('gives the container a path-safe model_name per TargetModel and the TargetModel as a header', async () => {
      const targetModel = 'team a/v1/model #1+u.tar.gz';

      const first = await predict('target', targetModel, [2, 0]);
      const second = await predict('target', targetModel, [3, 0]);
      const log = (await logs('target')).join('');

      expect([first, second]).toEqual([402, 403]);
      expect(modelNameFor(targetModel)).toMatch(/^[0-9a-f]{32}$/);
      expect(await loadedInContainer('target')).toContain(modelNameFor(targetModel));
      expect(log).toContain(`model ${modelNameFor(targetModel)} serves target model ${targetModel}\n`);
      expect(log.match(new RegExp(`loaded model ${modelNameFor(targetModel)} `, 'g'))).toHaveLength(1);
    });
  });

  it('reloads models on demand in a container that replaced a crashed one', async () => {
    await deploy('crashy', { Environment: { SMWF_EXAMPLE_FAULT: 'crash-after-invocation' } });

    const first = await predict('crashy', 'a.tar.gz', [1, 0]);
    const failures: string[] = [];
    const recovered = await eventually('the replacement container to serve a.tar.gz', () =>
      predict('crashy', 'a.tar.gz', [5, 0]).catch((err: Error) => {
        failures.push(err.name);
        return undefined;
      }),
    );
    const log = (await logs('crashy')).join('');

    expect(first).toBe(101);
    expect(recovered).toBe(105);
    expect(failures.every((name) => name === 'ModelError')).toBe(true);
    expect(log.match(new RegExp(`loaded model ${modelNameFor('a.tar.gz')} `, 'g'))).toHaveLength(2);
  });

  describe('ModelCacheSetting', () => {
    it('Disabled: unloads the model and deletes its local copy after each invocation', async () => {
      await deploy('uncached', { MultiModelConfig: { ModelCacheSetting: 'Disabled' } });

      const first = await predict('uncached', 'a.tar.gz', [1, 0]);
      const unloaded = await eventually('the model to be unloaded and deleted', async () =>
        (await loadedInContainer('uncached')).length === 0 && (await localCopies('uncached')).length === 0
          ? true
          : undefined,
      );
      const second = await predict('uncached', 'a.tar.gz', [2, 0]);
      await eventually('the second unload', async () =>
        (await loadedInContainer('uncached')).length === 0 ? true : undefined,
      );
      const log = (await logs('uncached')).join('');

      expect([first, second]).toEqual([101, 102]);
      expect(unloaded).toBe(true);
      expect(log.match(new RegExp(`loaded model ${modelNameFor('a.tar.gz')} `, 'g'))).toHaveLength(2);
      expect(log.match(new RegExp(`unloaded model ${modelNameFor('a.tar.gz')}\n`, 'g'))).toHaveLength(2);
    });

    it('Enabled: unloads the least recently used model at the capacity and keeps its local copy', async () => {
      await deploy('lru', { MultiModelConfig: { ModelCacheSetting: 'Enabled' } });

      await predict('lru', 'a.tar.gz', [0, 0]);
      await predict('lru', 'b.tar.gz', [0, 0]);
      await predict('lru', 'a.tar.gz', [0, 0]);
      const c = await predict('lru', 'c.tar.gz', [0, 0]);
      const afterC = await loadedInContainer('lru');
      const copies = await localCopies('lru');
      const b = await predict('lru', 'b.tar.gz', [0, 0]);
      const afterB = await loadedInContainer('lru');

      expect([c, b]).toEqual([300, 200]);
      expect(afterC).toEqual(names('a.tar.gz', 'c.tar.gz'));
      expect(copies).toEqual(names('a.tar.gz', 'b.tar.gz', 'c.tar.gz'));
      expect(afterB).toEqual(names('b.tar.gz', 'c.tar.gz'));
    });

    it('Enabled: unloads the least recently used model and loads again when the container answers 507', async () => {
      await deploy('full', { Environment: { SMWF_EXAMPLE_MODEL_CAPACITY: '1' } });

      const a = await predict('full', 'a.tar.gz', [0, 0]);
      const b = await predict('full', 'b.tar.gz', [0, 0]);
      const loaded = await loadedInContainer('full');
      const log = (await logs('full')).join('');

      expect([a, b]).toEqual([100, 200]);
      expect(loaded).toEqual(names('b.tar.gz'));
      expect(log).toContain(`cannot load model ${modelNameFor('b.tar.gz')}: 1 models already loaded`);
    });
  });

  it('never holds more models than the capacity when many are invoked at once', async () => {
    // The container also allows 2: a load beyond the emulator's capacity would be answered 507 and logged.
    await deploy('busy', { Environment: { SMWF_EXAMPLE_MODEL_CAPACITY: '2' } });
    const targets = ['a.tar.gz', 'b.tar.gz', 'c.tar.gz', 'team a/v1/model #1+u.tar.gz'];

    const answers = await Promise.all([...targets, ...targets].map((t, i) => predict('busy', t, [i, 0])));
    const loaded = await loadedInContainer('busy');
    const log = (await logs('busy')).join('');

    expect(answers).toEqual([100, 201, 302, 403, 104, 205, 306, 407]);
    expect(loaded).toHaveLength(2);
    expect(log).not.toContain('cannot load model');
  });

  it('answers ModelNotReadyException (429) while a slow load goes on, then serves once it has finished', async () => {
    await deploy('slow', { Environment: { SMWF_EXAMPLE_LOAD_DELAY_MS: '5000' } });

    const notReady = await errorOf(predict('slow', 'a.tar.gz', [1, 0], runtimeOnce));
    const served = await eventually('the slow model to be served', () =>
      predict('slow', 'a.tar.gz', [7, 0], runtimeOnce).catch((err: Error) => {
        if (err.name !== 'ModelNotReadyException') throw err;
        return undefined;
      }),
    );
    const log = (await logs('slow')).join('');

    expect(notReady.name).toBe('ModelNotReadyException');
    expect(notReady.$metadata?.httpStatusCode).toBe(429);
    expect(notReady.message).toBe(
      'Model a.tar.gz is not ready yet: it is still being downloaded and loaded into the container, which can take up to 360 seconds. Retry the request.',
    );
    expect(served).toBe(107);
    expect(log.match(/loaded model /g)).toHaveLength(1);
  });

  describe('what is not emulated', () => {
    it('refuses MultiModel containers the emulator does not host, and settings that do not apply', async () => {
      const mme = { Image: LINEAR_IMAGE, Mode: 'MultiModel' as const, ModelDataUrl: PREFIX };
      const create = (name: string, input: Record<string, unknown>) =>
        errorOf(sagemaker.send(new CreateModelCommand({ ModelName: name, ...input })));

      const pipeline = await create('mme-pipeline', { Containers: [mme, { Image: LINEAR_IMAGE }] });
      const dataSource = await create('mme-source', {
        PrimaryContainer: {
          Image: LINEAR_IMAGE,
          Mode: 'MultiModel',
          ModelDataSource: { S3DataSource: { S3Uri: PREFIX, S3DataType: 'S3Prefix', CompressionType: 'None' } },
        },
      });
      const noPrefix = await create('mme-no-prefix', { PrimaryContainer: { Image: LINEAR_IMAGE, Mode: 'MultiModel' } });
      const configOnSingle = await create('single-with-config', {
        PrimaryContainer: { Image: LINEAR_IMAGE, MultiModelConfig: { ModelCacheSetting: 'Disabled' } },
      });

      expect(pipeline.name).toBe('UnknownOperationException');
      expect(pipeline.message).toBe(
        'A MultiModel container in a model with more than one container (an inference pipeline) is not supported by the smwf local emulator yet.',
      );
      expect(dataSource.name).toBe('UnknownOperationException');
      expect(dataSource.message).toContain('ModelDataSource on a MultiModel container');
      expect(noPrefix.name).toBe('ValidationException');
      expect(noPrefix.message).toBe(
        'ModelDataUrl must be specified for a container with Mode MultiModel: the S3 prefix of its models.',
      );
      expect(configOnSingle.name).toBe('ValidationException');
      expect(configOnSingle.message).toBe(
        'MultiModelConfig can only be specified for a container with Mode MultiModel.',
      );
    });

    it('refuses multi-model variants on GPU instances (not emulated) and serverless ones (as AWS)', async () => {
      await sagemaker.send(
        new CreateModelCommand({
          ModelName: 'mme-only',
          PrimaryContainer: { Image: LINEAR_IMAGE, Mode: 'MultiModel', ModelDataUrl: PREFIX },
        }),
      );
      const config = (name: string, variant: Record<string, unknown>) =>
        errorOf(
          sagemaker.send(
            new CreateEndpointConfigCommand({
              EndpointConfigName: name,
              ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'mme-only', ...variant }],
            }),
          ),
        );

      const gpu = await config('mme-gpu', { InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 1 });
      const serverless = await config('mme-serverless', {
        ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 1 },
      });

      expect(gpu.name).toBe('UnknownOperationException');
      expect(gpu.message).toBe(
        'Multi-model endpoints on GPU or accelerator instances (production variant AllTraffic, ml.g5.xlarge: Triton-based) are not supported by the smwf local emulator yet.',
      );
      expect(serverless.name).toBe('ValidationException');
      expect(serverless.message).toBe(
        'Production variant AllTraffic cannot use ServerlessConfig: model mme-only is a multi-model model, and serverless endpoints do not support multi-model endpoints.',
      );
    });
  });
});
