/**
 * The standalone CreateModel and CreateEndpointConfig state machines end to end: the synthesized definitions,
 * the local runner and the real handlers against the emulator. Both are idempotent, name what they create as
 * DeployEndpoint would, and a deployment of the same spec reuses what they created.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deploy,
  deployInput,
  FEATURIZER_IMAGE,
  type Harness,
  IMAGE,
  predict,
  resourcesOf,
  startHarness,
} from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const run = (workflow: string, input: unknown) => h.runner.start(workflow, input).result;

type Created = { name: string; arn: string; created: boolean };

describe('CreateModel', () => {
  it('creates the model named and tagged for its endpoint, then reuses it on a second run', async () => {
    const input = { endpointName: 'standalone', model: { image: IMAGE, modelDataUrl: h.models['linear-v1'] } };

    const first = await run('CreateModel', input);
    const second = await run('CreateModel', input);

    expect(first.status).toBe('SUCCEEDED');
    const model = first.output as Created;
    expect(model).toMatchObject({ name: expect.stringMatching(/^standalone-[0-9a-f]{10}$/), created: true });
    expect(second.output).toEqual({ ...model, created: false });
    const described = await h.sagemaker.send(new DescribeModelCommand({ ModelName: model.name }));
    expect(described.PrimaryContainer).toMatchObject({ Image: IMAGE, ModelDataUrl: h.models['linear-v1'] });
    const tags = await h.sagemaker.send(new ListTagsCommand({ ResourceArn: model.arn }));
    expect(tags.Tags).toContainEqual({ Key: 'sagemaker-workflows:endpoint', Value: 'standalone' });
    expect((await resourcesOf(h, 'standalone')).models).toEqual([model.name]);
  });

  it('packages source files first when asked, and creates the model from the package', async () => {
    const bucket = h.models['linear-v1'].split('/')[2];
    await h.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'standalone-src/weights.json',
        Body: '{"coefficients":[1],"intercept":0}',
      }),
    );
    const input = {
      endpointName: 'standalone-packaged',
      model: { image: IMAGE, package: { source: `s3://${bucket}/standalone-src/`, framework: 'custom' } },
    };

    const result = await run('CreateModel', input);

    expect(result.status).toBe('SUCCEEDED');
    const described = await h.sagemaker.send(new DescribeModelCommand({ ModelName: (result.output as Created).name }));
    expect(described.PrimaryContainer?.ModelDataUrl).toMatch(
      /^s3:\/\/artifacts[0-9a-f]{8}\/packages\/custom-[0-9a-f]+\/model\.tar\.gz$/,
    );
  });

  it('creates a serial pipeline model of several containers, and DeploySerialPipeline then reuses it', async () => {
    const containers = [
      { hostname: 'featurizer', image: FEATURIZER_IMAGE, modelDataUrl: h.models['featurizer-v1'] },
      { hostname: 'model', image: IMAGE, modelDataUrl: h.models['linear-standardized-v1'] },
    ];

    const created = await run('CreateModel', { endpointName: 'standalone-pipeline', containers });
    const deployed = await h.runner.start('DeploySerialPipeline', {
      endpointName: 'standalone-pipeline',
      containers,
      variants: [{ instanceType: 'ml.m5.large' }],
      healthCheck: { samples: [{ contentType: 'text/csv', body: '12,24', expectedOutputContains: '97' }] },
      wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    }).result;

    expect(created.status, created.cause).toBe('SUCCEEDED');
    const model = created.output as Created;
    const described = await h.sagemaker.send(new DescribeModelCommand({ ModelName: model.name }));
    expect(described.Containers?.map((c) => [c.ContainerHostname, c.ModelDataUrl])).toEqual([
      ['featurizer', h.models['featurizer-v1']],
      ['model', h.models['linear-standardized-v1']],
    ]);
    expect(described.InferenceExecutionConfig).toEqual({ Mode: 'Serial' });
    expect(deployed.status, deployed.cause).toBe('SUCCEEDED');
    expect(deployed.output).toMatchObject({ model: { name: model.name, created: false } });
  });

  it('rejects Direct mode with one container at its first state, creating nothing', async () => {
    const input = {
      endpointName: 'standalone-direct',
      containers: [{ hostname: 'only', image: IMAGE, modelDataUrl: h.models['linear-v1'] }],
      inferenceExecutionMode: 'Direct',
    };

    const result = await run('CreateModel', input);

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain('containers: expected at least 2 containers');
    expect(await resourcesOf(h, 'standalone-direct')).toEqual({ models: [], configs: [], endpoints: [] });
  });

  it('rejects bad input at its first state, naming the field, and creates nothing', async () => {
    const input = { endpointName: 'standalone-bad', model: { image: IMAGE, modelDataUrl: 'ftp://models/m.tar.gz' } };

    const result = await run('CreateModel', input);

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain('model.modelDataUrl');
    expect(await resourcesOf(h, 'standalone-bad')).toEqual({ models: [], configs: [], endpoints: [] });
  });
});

describe('CreateEndpointConfig', () => {
  it('creates the config over a model, reuses it on a second run, and DeployEndpoint then reuses both', async () => {
    const model = (
      await run('CreateModel', {
        endpointName: 'prebuilt',
        model: { image: IMAGE, modelDataUrl: h.models['linear-v1'] },
      })
    ).output as Created;
    const variants = [{ name: 'AllTraffic', instanceType: 'ml.m5.large', initialInstanceCount: 1 }];
    const input = { endpointName: 'prebuilt', modelName: model.name, variants };

    const first = await run('CreateEndpointConfig', input);
    const second = await run('CreateEndpointConfig', input);
    const deployed = await deploy(h, deployInput('prebuilt', h.models['linear-v1'], { variants }));

    expect(first.status).toBe('SUCCEEDED');
    const config = first.output as Created;
    expect(config).toMatchObject({ name: expect.stringMatching(/^prebuilt-[0-9a-f]{10}$/), created: true });
    expect(second.output).toEqual({ ...config, created: false });
    const described = await h.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: config.name }));
    expect(described.ProductionVariants?.[0]).toMatchObject({ VariantName: 'AllTraffic', ModelName: model.name });
    expect(deployed.status).toBe('SUCCEEDED');
    expect(deployed.output).toMatchObject({
      model: { name: model.name, created: false },
      endpointConfig: { name: config.name, created: false },
    });
    expect(await predict(h, 'prebuilt')).toContain('predictions');
  });

  it('creates an asynchronous config that DeployEndpoint with the same async settings reuses', async () => {
    const model = (
      await run('CreateModel', {
        endpointName: 'prebuilt-async',
        model: { image: IMAGE, modelDataUrl: h.models['linear-v1'] },
      })
    ).output as Created;
    const variants = [{ name: 'AllTraffic', instanceType: 'ml.m5.large', initialInstanceCount: 1 }];
    const asyncConfig = {
      s3OutputPath: 's3://e2e-models/async/prebuilt-async/output/',
      s3FailurePath: 's3://e2e-models/async/prebuilt-async/failures/',
      maxConcurrentInvocationsPerInstance: 2,
    };

    const created = await run('CreateEndpointConfig', {
      endpointName: 'prebuilt-async',
      modelName: model.name,
      variants,
      async: asyncConfig,
    });
    const deployed = await deploy(
      h,
      deployInput('prebuilt-async', h.models['linear-v1'], {
        variants,
        async: { ...asyncConfig, healthCheckTimeoutSeconds: 10 },
      }),
    );

    expect(created.status).toBe('SUCCEEDED');
    const config = created.output as Created;
    const described = await h.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: config.name }));
    expect(described.AsyncInferenceConfig).toEqual({
      OutputConfig: {
        S3OutputPath: 's3://e2e-models/async/prebuilt-async/output/',
        S3FailurePath: 's3://e2e-models/async/prebuilt-async/failures/',
      },
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 2 },
    });
    expect(deployed.status).toBe('SUCCEEDED');
    expect(deployed.output).toMatchObject({ endpointConfig: { name: config.name, created: false } });
  });

  it("fails with SageMaker's error when the named model does not exist, creating nothing", async () => {
    const input = {
      endpointName: 'no-model',
      modelName: 'no-model-0123456789',
      variants: [{ instanceType: 'ml.m5.large' }],
    };

    const result = await run('CreateEndpointConfig', input);

    expect(result).toMatchObject({ status: 'FAILED', error: 'ValidationException' });
    expect(result.cause).toContain('Could not find model');
    expect((await resourcesOf(h, 'no-model')).configs).toEqual([]);
  });

  it('rejects duplicate variant names at its first state', async () => {
    const variants = [{ instanceType: 'ml.m5.large' }, { instanceType: 'ml.m5.xlarge' }];

    const result = await run('CreateEndpointConfig', { endpointName: 'dupes', modelName: 'dupes-model', variants });

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain('variants: variant names must be unique; \\"AllTraffic\\" repeats');
  });
});

describe('models from the Model Registry', () => {
  async function registerPackage(group: string, modelDataUrl: string, approval: 'Approved' | 'PendingManualApproval') {
    await h.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group })).catch((err: Error) => {
      if (!err.message.startsWith('Model Package Group already exists')) throw err;
    });
    const out = await h.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: approval,
        InferenceSpecification: {
          Containers: [{ Image: IMAGE, ModelDataUrl: modelDataUrl }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['application/json'],
        },
      }),
    );
    return out.ModelPackageArn as string;
  }

  it('DeployEndpoint deploys an Approved model package, which serves the package artifact', async () => {
    const packageArn = await registerPackage('e2e-registry', h.models['linear-v2'], 'Approved');
    const input = { ...deployInput('from-registry', h.models['linear-v2']), model: { modelPackageArn: packageArn } };

    const result = await deploy(h, input);

    expect(result.status).toBe('SUCCEEDED');
    const [modelName] = (await resourcesOf(h, 'from-registry')).models;
    const described = await h.sagemaker.send(new DescribeModelCommand({ ModelName: modelName }));
    expect(described.PrimaryContainer).toEqual({ ModelPackageName: packageArn });
    expect(await predict(h, 'from-registry')).toBe('{"predictions":[9.5]}'); // linear-v2's answer to 1,2
  });

  it('fails at CreateModel with the emulator refusal when the package is not Approved, creating nothing', async () => {
    const packageArn = await registerPackage('e2e-registry', h.models['linear-v1'], 'PendingManualApproval');
    const input = { ...deployInput('unapproved', h.models['linear-v1']), model: { modelPackageArn: packageArn } };

    const result = await deploy(h, input);

    expect(result).toMatchObject({ status: 'FAILED', error: 'ValidationException' });
    expect(result.cause).toContain('a versioned model package must be Approved');
    expect(await resourcesOf(h, 'unapproved')).toEqual({ models: [], configs: [], endpoints: [] });
  });
});
