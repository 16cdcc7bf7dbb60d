import { beforeEach, describe, expect, it } from 'vitest';
import { ResourceConflictError } from '../../contracts/errors.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import { createEndpointConfig } from '../../tasks/create-endpoint-config/create-endpoint-config.ts';
import { handler as createEndpointConfigHandler } from '../../tasks/create-endpoint-config/handler.ts';
import type { DeployEndpointInputDocument } from '../../workflows/deploy-endpoint/contract.ts';
import { deploymentState, FakeSageMaker, validInput } from './fakes.ts';

const MODEL = {
  name: 'churn-1111111111',
  arn: 'arn:aws:sagemaker:us-east-1:123456789012:model/churn-1111111111',
  created: true,
};

function stateWith(input: DeployEndpointInputDocument = validInput(), model = MODEL) {
  return deploymentState(input, { model });
}

describe('createEndpointConfig', () => {
  let sagemaker: FakeSageMaker;

  beforeEach(() => {
    sagemaker = new FakeSageMaker();
    // SageMaker refuses a config whose model does not exist.
    sagemaker.seedModel(MODEL.name);
    sagemaker.seedModel('churn-2222222222');
  });

  it('creates one production variant per requested variant, using the model of the deployment', async () => {
    const input = validInput({
      variants: [
        { name: 'Blue', instanceType: 'ml.m5.large', initialInstanceCount: 2, initialVariantWeight: 3 },
        { name: 'Green', instanceType: 'ml.c5.xlarge', containerStartupHealthCheckTimeoutInSeconds: 600 },
      ],
    });

    const out = await createEndpointConfig(stateWith(input), { sagemaker });

    expect(out.endpointConfig).toEqual({
      name: expect.stringMatching(/^churn-[0-9a-f]{10}$/),
      arn: expect.any(String),
      created: true,
    });
    expect(sagemaker.configs.get(out.endpointConfig?.name ?? '')?.description.ProductionVariants).toEqual([
      {
        VariantName: 'Blue',
        ModelName: MODEL.name,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 2,
        InitialVariantWeight: 3,
      },
      {
        VariantName: 'Green',
        ModelName: MODEL.name,
        InstanceType: 'ml.c5.xlarge',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
        ContainerStartupHealthCheckTimeoutInSeconds: 600,
      },
    ]);
  });

  it('creates a serverless variant without instance type or count', async () => {
    const input = validInput({
      variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 10, provisionedConcurrency: 2 } }],
    });

    const out = await createEndpointConfig(stateWith(input), { sagemaker });

    expect(sagemaker.configs.get(out.endpointConfig?.name ?? '')?.description.ProductionVariants).toEqual([
      {
        VariantName: 'AllTraffic',
        ModelName: MODEL.name,
        InitialVariantWeight: 1,
        ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 10, ProvisionedConcurrency: 2 },
      },
    ]);
  });

  it('passes data capture on as DataCaptureConfig and names the config by it too', async () => {
    const dataCapture = {
      initialSamplingPercentage: 20,
      destinationS3Uri: 's3://my-bucket/datacapture',
      captureModes: ['Input' as const],
      csvContentTypes: ['text/csv'],
    };
    const plain = await createEndpointConfig(stateWith(), { sagemaker });

    const out = await createEndpointConfig(stateWith(validInput({ dataCapture })), { sagemaker });

    expect(out.endpointConfig?.name).not.toBe(plain.endpointConfig?.name);
    expect(sagemaker.configs.get(out.endpointConfig?.name ?? '')?.description.DataCaptureConfig).toEqual({
      EnableCapture: true,
      InitialSamplingPercentage: 20,
      DestinationS3Uri: 's3://my-bucket/datacapture',
      CaptureOptions: [{ CaptureMode: 'Input' }],
      CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
    });
    const again = await createEndpointConfig(stateWith(validInput({ dataCapture })), { sagemaker });
    expect(again.endpointConfig).toMatchObject({ name: out.endpointConfig?.name, created: false });
  });

  it('tags the config as owned by the endpoint', async () => {
    const out = await createEndpointConfig(stateWith(), { sagemaker });

    expect(sagemaker.tags.get(out.endpointConfig?.arn ?? '')).toMatchObject({
      [TagKeys.endpoint]: 'churn',
      [TagKeys.execution]: 'deploy-churn-1',
    });
  });

  it('reuses the identical config a previous attempt created, without creating it again', async () => {
    const first = await createEndpointConfig(stateWith(), { sagemaker });

    const second = await createEndpointConfig(stateWith(), { sagemaker });

    expect(second.endpointConfig).toEqual({ ...first.endpointConfig, created: false });
    expect(sagemaker.callsOf('createEndpointConfig')).toHaveLength(1);
  });

  it('reuses a config whose description carries members the project does not set', async () => {
    const first = await createEndpointConfig(stateWith(), { sagemaker });
    const stored = sagemaker.configs.get(first.endpointConfig?.name ?? '');
    for (const variant of stored?.description.ProductionVariants ?? []) variant.VolumeSizeInGB = 4;

    const second = await createEndpointConfig(stateWith(), { sagemaker });

    expect(second.endpointConfig?.created).toBe(false);
  });

  it('names the config differently for another model or another instance type', async () => {
    const base = await createEndpointConfig(stateWith(), { sagemaker });
    const otherModel = await createEndpointConfig(stateWith(validInput(), { ...MODEL, name: 'churn-2222222222' }), {
      sagemaker,
    });
    const otherInstance = await createEndpointConfig(
      stateWith(validInput({ variants: [{ instanceType: 'ml.c5.large' }] })),
      {
        sagemaker,
      },
    );

    const names = [base, otherModel, otherInstance].map((s) => s.endpointConfig?.name);
    expect(new Set(names).size).toBe(3);
    expect([otherModel, otherInstance].map((s) => s.endpointConfig?.created)).toEqual([true, true]);
  });

  it('refuses to reuse a config of the same name with different variants', async () => {
    const name = (await createEndpointConfig(stateWith(), { sagemaker })).endpointConfig?.name ?? '';
    sagemaker.configs.clear();
    sagemaker.seedConfig(name, ['someone-elses-model']);
    sagemaker.calls.length = 0;

    const result = createEndpointConfig(stateWith(), { sagemaker });

    await expect(result).rejects.toThrow(ResourceConflictError);
    await expect(result).rejects.toThrow(`Endpoint config ${name} exists with a different specification`);
    expect(sagemaker.callsOf('createEndpointConfig')).toEqual([]);
  });

  it('refuses a state document without the model CreateModel records, naming it', async () => {
    await expect(createEndpointConfigHandler(deploymentState())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid CreateEndpointConfig input: model: .*received undefined/),
    });
  });
});
