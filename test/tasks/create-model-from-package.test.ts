/** DeployEndpoint's model data alternatives: what the contract accepts, and what CreateModel creates from them. */
import { describe, expect, it } from 'vitest';
import type { PackagedModel } from '../../contracts/parts/packaging.ts';
import { createModel } from '../../tasks/create-model/create-model.ts';
import { DeployEndpointInput } from '../../workflows/deploy-endpoint/contract.ts';
import { validateFirstState } from '../../workflows/first-state.ts';
import { deploymentState, EXECUTION, EXECUTION_ROLE_ARN, FakeSageMaker, validInput } from './fakes.ts';

/** DeployEndpoint's first state, as its Lambda runs it. */
const validateDeployInput = (event: unknown) => validateFirstState('DeployEndpoint', DeployEndpointInput, event);

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0';
const packaged: PackagedModel = {
  format: 'uncompressed',
  modelDataSource: {
    s3Uri: 's3://artifacts/packages/custom-0123456789/model/',
    s3DataType: 'S3Prefix',
    compressionType: 'None',
  },
  sha256: 'ab'.repeat(32),
  sizeBytes: 42,
  fileCount: 1,
  manifestUrl: 's3://artifacts/packages/custom-0123456789/smwf-package.json',
  reused: false,
};

describe('DeployEndpoint model data', () => {
  it('accepts source files to package, with the PackageModel defaults applied', () => {
    const state = validateDeployInput({
      input: validInput({ model: { image: IMAGE, package: { source: 's3://models/churn/', framework: 'sklearn' } } }),
      execution: EXECUTION,
    });

    expect(state.request.model.package).toEqual({
      source: 's3://models/churn/',
      framework: 'sklearn',
      format: 'tar.gz',
    });
  });

  it('rejects more than one form of model data, naming them', () => {
    const input = validInput({
      model: {
        image: IMAGE,
        modelDataUrl: 's3://my-models/model.tar.gz',
        package: { source: 's3://my-models/src/', framework: 'custom' },
      },
    });

    expect(() => validateDeployInput({ input, execution: EXECUTION })).toThrow(
      'model.package: give one of modelDataUrl, modelDataSource or package, not modelDataUrl and package',
    );
  });

  it('creates the model with the ModelDataSource the packaging steps returned', async () => {
    const sagemaker = new FakeSageMaker();
    const state = deploymentState(
      validInput({
        model: { image: IMAGE, package: { source: 's3://models/churn/', framework: 'custom', format: 'uncompressed' } },
      }),
      { packaging: { packaged } },
    );

    const out = await createModel(state, { sagemaker, executionRoleArn: EXECUTION_ROLE_ARN });

    expect(sagemaker.models.get(out.model?.name ?? '')?.description.PrimaryContainer).toEqual({
      Image: IMAGE,
      ModelDataSource: {
        S3DataSource: { S3Uri: packaged.modelDataSource?.s3Uri, S3DataType: 'S3Prefix', CompressionType: 'None' },
      },
      Environment: {},
    });
  });

  it('creates the model from a modelDataSource given in the input', async () => {
    const sagemaker = new FakeSageMaker();
    const state = deploymentState(
      validInput({ model: { image: IMAGE, modelDataSource: { s3Uri: 's3://my-models/model/' } } }),
    );

    const out = await createModel(state, { sagemaker, executionRoleArn: EXECUTION_ROLE_ARN });

    expect(sagemaker.models.get(out.model?.name ?? '')?.description.PrimaryContainer?.ModelDataSource).toEqual({
      S3DataSource: { S3Uri: 's3://my-models/model/', S3DataType: 'S3Prefix', CompressionType: 'None' },
    });
  });
});
