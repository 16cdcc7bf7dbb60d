import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../contracts/errors.ts';
import { DeployEndpointInput } from '../../workflows/deploy-endpoint/contract.ts';
import { validateFirstState } from '../../workflows/first-state.ts';
import { EXECUTION, validInput } from '../tasks/fakes.ts';

/** DeployEndpoint's first state, as its Lambda runs it. */
const validateDeployInput = (event: unknown) => validateFirstState('DeployEndpoint', DeployEndpointInput, event);

function validate(input: unknown) {
  return validateDeployInput({ input, execution: EXECUTION });
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

const minimal = () => ({
  endpointName: 'churn',
  model: {
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1',
    modelDataUrl: 's3://bucket/churn/model.tar.gz',
  },
  variants: [{ instanceType: 'ml.m5.large' }],
  healthCheck: { samples: [{ body: '{}' }] },
});

describe("DeployEndpoint's first state", () => {
  it('applies the defaults of every optional setting', () => {
    const state = validate(minimal());

    expect(state.request).toEqual({
      endpointName: 'churn',
      model: {
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1',
        modelDataUrl: 's3://bucket/churn/model.tar.gz',
      },
      variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialVariantWeight: 1 }],
      healthCheck: {
        samples: [{ body: '{}', contentType: 'application/json', expectedStatus: 200 }],
        concurrency: 1,
        minSuccessRate: 1,
      },
      onFailure: 'rollback',
      retainVersions: 2,
      tags: {},
      wait: { initialIntervalSeconds: 15, maxIntervalSeconds: 120, timeoutMinutes: 60 },
      lease: { waitMinutes: 60 },
    });
  });

  it('carries the execution facts into the state document', () => {
    const state = validate(minimal());

    expect(state.execution).toEqual(EXECUTION);
  });

  it('keeps what the user set over the defaults', () => {
    const state = validate(
      validInput({
        onFailure: 'retain',
        retainVersions: 5,
        wait: { initialIntervalSeconds: 5, maxIntervalSeconds: 40, timeoutMinutes: 10 },
      }),
    );

    expect(state.request.onFailure).toBe('retain');
    expect(state.request.retainVersions).toBe(5);
    expect(state.request.wait).toEqual({ initialIntervalSeconds: 5, maxIntervalSeconds: 40, timeoutMinutes: 10 });
  });

  it('accepts a serverless variant, a model package and blue/green guardrails', () => {
    const state = validate({
      ...minimal(),
      model: { modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3' },
      variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } }],
      deployment: {
        blueGreen: {
          trafficRouting: {
            type: 'CANARY',
            waitIntervalInSeconds: 300,
            canarySize: { type: 'CAPACITY_PERCENT', value: 10 },
          },
        },
        autoRollbackAlarms: ['churn-5xx'],
      },
    });

    expect(state.request.variants[0]?.serverless).toEqual({ memorySizeInMB: 2048, maxConcurrency: 5 });
    expect(state.request.deployment?.blueGreen?.trafficRouting.canarySize).toEqual({
      type: 'CAPACITY_PERCENT',
      value: 10,
    });
  });

  const malformed: [string, Record<string, unknown>, string][] = [
    [
      'an instance type without the ml. prefix',
      { variants: [{ instanceType: 'm5.large' }] },
      'variants[0].instanceType: expected a hosting instance type',
    ],
    [
      'a variant with neither instanceType nor serverless',
      { variants: [{ name: 'Blue' }] },
      'variants[0]: expected exactly one of instanceType or serverless',
    ],
    [
      'a variant with both instanceType and serverless',
      { variants: [{ instanceType: 'ml.m5.large', serverless: { memorySizeInMB: 1024, maxConcurrency: 1 } }] },
      'variants[0]: expected exactly one of instanceType or serverless',
    ],
    ['no variants', { variants: [] }, 'variants:'],
    [
      'a health check sample without a body',
      { healthCheck: { samples: [{ contentType: 'text/csv' }] } },
      'healthCheck.samples[0].body',
    ],
    [
      'CANARY traffic routing without canarySize',
      { deployment: { blueGreen: { trafficRouting: { type: 'CANARY', waitIntervalInSeconds: 60 } } } },
      'deployment.blueGreen.trafficRouting.canarySize: expected canarySize for CANARY traffic routing',
    ],
    [
      'a blue/green maximum execution timeout below 600 seconds',
      {
        deployment: {
          blueGreen: {
            trafficRouting: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 0 },
            maximumExecutionTimeoutInSeconds: 599,
          },
        },
      },
      'deployment.blueGreen.maximumExecutionTimeoutInSeconds',
    ],
    [
      'both blue/green and rolling guardrails',
      {
        deployment: {
          blueGreen: { trafficRouting: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 0 } },
          rolling: { maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 }, waitIntervalInSeconds: 0 },
        },
      },
      'deployment: expected blueGreen or rolling, not both',
    ],
    ['an unknown top-level key', { endpointname: 'churn' }, 'Unrecognized key: "endpointname"'],
    [
      'an unknown key inside a variant',
      { variants: [{ instanceType: 'ml.m5.large', instancetype: 'ml.m5.large' }] },
      'variants[0]: Unrecognized key: "instancetype"',
    ],
    ['an endpoint name with an underscore', { endpointName: 'churn_model' }, 'endpointName: expected 1-63 letters'],
    ['an endpoint name of 64 characters', { endpointName: 'e'.repeat(64) }, 'endpointName'],
    [
      'both an image and a model package',
      {
        model: {
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1',
          modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3',
        },
      },
      'model.modelPackageArn: give either image or modelPackageArn, not both',
    ],
    ['a model with neither image nor package', { model: {} }, 'model: expected either image'],
    [
      'a model artifact that is not an S3 URL',
      { model: { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1', modelDataUrl: '/tmp/model.tar.gz' } },
      'model.modelDataUrl',
    ],
    [
      'serverless memory that is not a multiple of 1024',
      { variants: [{ serverless: { memorySizeInMB: 1500, maxConcurrency: 5 } }] },
      'variants[0].serverless.memorySizeInMB',
    ],
    [
      'duplicate variant names',
      { variants: [{ instanceType: 'ml.m5.large' }, { instanceType: 'ml.c5.large' }] },
      'variants: variant names must be unique; "AllTraffic" repeats',
    ],
    [
      'a health check sample aimed at an unknown variant',
      { healthCheck: { samples: [{ body: '{}', targetVariant: 'Blue' }] } },
      'healthCheck.samples[0].targetVariant: expected one of the variants (AllTraffic)',
    ],
    [
      'fewer invocations than samples',
      { healthCheck: { samples: [{ body: '1' }, { body: '2' }], invocations: 1 } },
      'healthCheck.invocations',
    ],
    [
      'a success rate above 1',
      { healthCheck: { samples: [{ body: '{}' }], minSuccessRate: 1.5 } },
      'healthCheck.minSuccessRate',
    ],
    [
      'a maximum wait shorter than the initial one',
      { wait: { initialIntervalSeconds: 30, maxIntervalSeconds: 10 } },
      'wait.maxIntervalSeconds: expected at least initialIntervalSeconds',
    ],
    ['zero retained versions', { retainVersions: 0 }, 'retainVersions'],
    [
      'a tag key reserved by AWS',
      { tags: { 'aws:owner': 'ml-team' } },
      'tags.aws:owner: Invalid key in record (tag keys starting with "aws:" are reserved by AWS)',
    ],
    [
      'an environment variable name with a hyphen',
      {
        model: {
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1',
          modelDataUrl: 's3://bucket/churn/model.tar.gz',
          environment: { 'LOG-LEVEL': 'info' },
        },
      },
      'model.environment.LOG-LEVEL: Invalid key in record (expected an environment variable name',
    ],
    ['an unknown onFailure', { onFailure: 'ignore' }, 'onFailure'],
  ];

  it.each(malformed)('rejects %s with InvalidInputError naming the field', (_, override, expected) => {
    const error = errorOf(() => validate({ ...minimal(), ...override }));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.name).toBe('InvalidInputError');
    expect(error.message).toContain('Invalid DeployEndpoint input: ');
    expect(error.message).toContain(expected);
  });

  it('rejects an input that is not an object', () => {
    const error = errorOf(() => validate('deploy churn please'));

    expect(error.name).toBe('InvalidInputError');
    expect(error.message).toBe('Invalid DeployEndpoint input: Invalid input: expected object, received string');
  });

  it('rejects a payload without the execution facts', () => {
    const error = errorOf(() => validateDeployInput({ input: minimal() }));

    expect(error.name).toBe('InvalidInputError');
    expect(error.message).toContain('Invalid ValidateInput payload: execution');
  });

  it('names every bad field of one input', () => {
    const error = errorOf(() =>
      validate({ ...minimal(), endpointName: 'bad name', retainVersions: 21, variants: [{ instanceType: 'large' }] }),
    );

    expect(error.message).toContain('endpointName');
    expect(error.message).toContain('variants[0].instanceType');
    expect(error.message).toContain('retainVersions');
  });
});
