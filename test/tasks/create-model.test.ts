import { beforeEach, describe, expect, it } from 'vitest';
import { ResourceConflictError } from '../../contracts/errors.ts';
import type { ContainerInput, InferenceExecutionMode } from '../../contracts/parts/containers.ts';
import type { SageMakerGateway } from '../../tasks/_shared/sagemaker.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import type { CreateModelState } from '../../tasks/create-model/create-model.ts';
import { createModel } from '../../tasks/create-model/create-model.ts';
import { deploymentState, EXECUTION, EXECUTION_ROLE_ARN, FakeSageMaker, modelArn, validInput } from './fakes.ts';

describe('createModel', () => {
  let sagemaker: FakeSageMaker;
  const deps = () => ({ sagemaker, executionRoleArn: EXECUTION_ROLE_ARN });

  beforeEach(() => {
    sagemaker = new FakeSageMaker();
  });

  it('creates the model with the image, artifact, environment and execution role', async () => {
    const state = deploymentState();

    const out = await createModel(state, deps());

    expect(out.model).toEqual({
      name: expect.stringMatching(/^churn-[0-9a-f]{10}$/),
      arn: expect.any(String),
      created: true,
    });
    const stored = sagemaker.models.get(out.model?.name ?? '')?.description;
    expect(stored).toEqual({
      ModelName: out.model?.name,
      ModelArn: out.model?.arn,
      ExecutionRoleArn: EXECUTION_ROLE_ARN,
      PrimaryContainer: {
        Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0',
        ModelDataUrl: 's3://models-bucket/churn/1.4.0/model.tar.gz',
        Environment: { LOG_LEVEL: 'info' },
      },
    });
  });

  it('tags the model with the user tags and its owning endpoint and execution', async () => {
    const state = deploymentState(validInput({ tags: { team: 'ml' } }));

    const out = await createModel(state, deps());

    expect(sagemaker.tags.get(out.model?.arn ?? '')).toEqual({
      team: 'ml',
      [TagKeys.endpoint]: 'churn',
      [TagKeys.execution]: 'deploy-churn-1',
    });
  });

  it('keeps the rest of the state document', async () => {
    const state = deploymentState();

    const out = await createModel(state, deps());

    expect(out.request).toEqual(state.request);
    expect(out.execution).toEqual(state.execution);
  });

  it('reuses the identical model a previous attempt created, without creating it again', async () => {
    const first = await createModel(deploymentState(), deps());

    const second = await createModel(deploymentState(), deps());

    expect(second.model).toEqual({ name: first.model?.name, arn: first.model?.arn, created: false });
    expect(sagemaker.callsOf('createModel')).toHaveLength(1);
  });

  it('takes the model its create made when the answer was lost and the retried create finds it existing', async () => {
    const lostAnswer: Pick<SageMakerGateway, 'describeModel' | 'createModel'> = {
      describeModel: (name) => sagemaker.describeModel(name),
      async createModel(spec, tags) {
        await sagemaker.createModel(spec, tags);
        // The connection was reset before the answer came; the SDK's retry of the create meets the model it made.
        return sagemaker.createModel(spec, tags);
      },
    };

    const out = await createModel(deploymentState(), { sagemaker: lostAnswer, executionRoleArn: EXECUTION_ROLE_ARN });

    expect(out.model).toEqual({
      name: expect.stringMatching(/^churn-[0-9a-f]{10}$/),
      arn: sagemaker.models.get(out.model?.name ?? '')?.description.ModelArn,
      created: true,
    });
    expect(sagemaker.models.size).toBe(1);
  });

  it('reuses a model whose description leaves out an empty environment', async () => {
    const input = validInput({
      model: {
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:2',
        modelDataUrl: 's3://bucket/churn/2/model.tar.gz',
      },
    });
    const name = (await createModel(deploymentState(input), deps())).model?.name ?? '';
    sagemaker.seedModel(name, {
      container: {
        Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:2',
        ModelDataUrl: 's3://bucket/churn/2/model.tar.gz',
      },
    });
    sagemaker.calls.length = 0;

    const out = await createModel(deploymentState(input), deps());

    expect(out.model).toEqual({ name, arn: modelArn(name), created: false });
    expect(sagemaker.callsOf('createModel')).toEqual([]);
  });

  it('names a different image, artifact, environment or role differently', async () => {
    const base = validInput();
    const variants = [
      validInput({ model: { ...base.model, image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.5.0' } }),
      validInput({ model: { ...base.model, modelDataUrl: 's3://models-bucket/churn/1.5.0/model.tar.gz' } }),
      validInput({ model: { ...base.model, environment: { LOG_LEVEL: 'debug' } } }),
    ];
    const baseName = (await createModel(deploymentState(base), deps())).model?.name;

    const names = await Promise.all(
      variants.map(async (input) => (await createModel(deploymentState(input), deps())).model?.name),
    );
    const otherRole = await createModel(deploymentState(base), {
      sagemaker,
      executionRoleArn: `${EXECUTION_ROLE_ARN}2`,
    });

    expect(new Set([baseName, ...names, otherRole.model?.name]).size).toBe(5);
  });

  it('gives the same name whatever the order of the environment variables', async () => {
    const a = validInput({
      model: {
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/i:1',
        modelDataUrl: 's3://bucket/m.tar.gz',
        environment: { A: '1', B: '2' },
      },
    });
    const b = validInput({
      model: {
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/i:1',
        modelDataUrl: 's3://bucket/m.tar.gz',
        environment: { B: '2', A: '1' },
      },
    });

    const first = await createModel(deploymentState(a), deps());
    const second = await createModel(deploymentState(b), deps());

    expect(second.model?.name).toBe(first.model?.name);
    expect(second.model?.created).toBe(false);
  });

  it('creates a model from a model package with only the package name in the container', async () => {
    const packageArn = await sagemaker.registerApprovedPackage('churn');
    const state = deploymentState(validInput({ model: { modelPackageArn: packageArn } }));

    const out = await createModel(state, deps());

    expect(sagemaker.models.get(out.model?.name ?? '')?.description.PrimaryContainer).toEqual({
      ModelPackageName: packageArn,
    });
  });

  it('reuses a model-package model even when DescribeModel reports the resolved image and environment', async () => {
    const packageArn = await sagemaker.registerApprovedPackage('churn');
    const state = deploymentState(validInput({ model: { modelPackageArn: packageArn } }));
    const name = (await createModel(state, deps())).model?.name ?? '';
    sagemaker.models.clear();
    sagemaker.seedModel(name, {
      container: { ModelPackageName: packageArn, Image: 'resolved-image:1', Environment: { SAGEMAKER_PROGRAM: 'x' } },
    });

    const again = await createModel(state, deps());

    expect(again.model?.created).toBe(false);
  });

  it('refuses to reuse a model of the same name with a different specification', async () => {
    const name = (await createModel(deploymentState(), deps())).model?.name ?? '';
    sagemaker.models.clear();
    sagemaker.seedModel(name, { container: { Image: 'someone-else:latest', Environment: {} } });
    sagemaker.calls.length = 0;

    const result = createModel(deploymentState(), deps());

    await expect(result).rejects.toThrow(ResourceConflictError);
    await expect(result).rejects.toMatchObject({
      name: 'ResourceConflictError',
      message: expect.stringContaining(`Model ${name} exists with a different specification`),
    });
    expect(sagemaker.callsOf('createModel')).toEqual([]);
    expect(sagemaker.models.get(name)?.description.PrimaryContainer?.Image).toBe('someone-else:latest');
  });

  it('names a model of a 63-character endpoint within 63 characters, keeping the hash', async () => {
    const endpointName = `churn-${'x'.repeat(57)}`;
    const state = deploymentState(validInput({ endpointName }));

    const out = await createModel(state, deps());

    expect(out.model?.name).toHaveLength(63);
    expect(out.model?.name).toMatch(new RegExp(`^${endpointName.slice(0, 52)}-[0-9a-f]{10}$`));
  });

  describe('with several containers', () => {
    const featurizer: ContainerInput = {
      hostname: 'featurizer',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/featurizer:1',
      modelDataUrl: 's3://models-bucket/featurizer/model.tar.gz',
      environment: { SCALE: '2' },
    };
    const scorer: ContainerInput = {
      hostname: 'scorer',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0',
      modelDataUrl: 's3://models-bucket/churn/1.4.0/model.tar.gz',
    };
    const containersState = (
      containers: ContainerInput[],
      inferenceExecutionMode?: InferenceExecutionMode,
    ): CreateModelState => ({
      request: {
        endpointName: 'churn',
        containers,
        ...(inferenceExecutionMode !== undefined ? { inferenceExecutionMode } : {}),
        tags: {},
      },
      execution: { ...EXECUTION },
    });

    it('creates one model with every container in order and the execution mode', async () => {
      const out = await createModel(containersState([featurizer, scorer], 'Direct'), deps());

      expect(sagemaker.models.get(out.model?.name ?? '')?.description).toEqual({
        ModelName: out.model?.name,
        ModelArn: out.model?.arn,
        ExecutionRoleArn: EXECUTION_ROLE_ARN,
        Containers: [
          {
            ContainerHostname: 'featurizer',
            Image: featurizer.image,
            ModelDataUrl: featurizer.modelDataUrl,
            Environment: { SCALE: '2' },
          },
          { ContainerHostname: 'scorer', Image: scorer.image, ModelDataUrl: scorer.modelDataUrl, Environment: {} },
        ],
        InferenceExecutionConfig: { Mode: 'Direct' },
      });
    });

    it('runs the containers as a serial pipeline when no mode is given', async () => {
      const out = await createModel(containersState([featurizer, scorer]), deps());

      expect(sagemaker.models.get(out.model?.name ?? '')?.description.InferenceExecutionConfig).toEqual({
        Mode: 'Serial',
      });
    });

    it('names a different order, container, or mode differently', async () => {
      const name = async (state: CreateModelState) => (await createModel(state, deps())).model?.name;

      const names = [
        await name(containersState([featurizer, scorer], 'Serial')),
        await name(containersState([scorer, featurizer], 'Serial')),
        await name(containersState([featurizer, scorer], 'Direct')),
        await name(containersState([{ ...featurizer, environment: { SCALE: '3' } }, scorer], 'Serial')),
      ];

      expect(new Set(names).size).toBe(4);
    });

    it('reuses the identical multi-container model a previous attempt created', async () => {
      const first = await createModel(containersState([featurizer, scorer], 'Direct'), deps());

      const second = await createModel(containersState([featurizer, scorer], 'Direct'), deps());

      expect(second.model).toEqual({ name: first.model?.name, arn: first.model?.arn, created: false });
      expect(sagemaker.callsOf('createModel')).toHaveLength(1);
    });
  });
});
