/**
 * Multi-container endpoints and serial inference pipelines end to end: DeployMultiContainerEndpoint and
 * DeploySerialPipeline through the synthesized state machines, the local runner and the real handlers, against the
 * emulator, which runs every container as a process of its own.
 */
import { DescribeEndpointConfigCommand, DescribeModelCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEndpoint, FEATURIZER_IMAGE, type Harness, IMAGE, resourcesOf, startHarness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

/** Predicts `1,2` with one container of a Direct endpoint. */
async function predictWith(endpointName: string, hostname: string): Promise<string> {
  const out = await h.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpointName,
      TargetContainerHostname: hostname,
      ContentType: 'text/csv',
      Accept: 'application/json',
      Body: '1,2',
    }),
  );
  return new TextDecoder().decode(out.Body).trim();
}

const sampleFor = (hostname: string) => ({
  targetContainerHostname: hostname,
  contentType: 'text/csv',
  accept: 'application/json',
  body: '1,2',
  expectedOutputContains: 'predictions',
});

function mceInput(endpointName: string, second: string, overrides: Record<string, unknown> = {}) {
  return {
    endpointName,
    containers: [
      { hostname: 'churn', image: IMAGE, modelDataUrl: h.models['linear-v1'] },
      { hostname: 'upsell', image: IMAGE, modelDataUrl: second },
    ],
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: { samples: [sampleFor('churn'), sampleFor('upsell')], invocations: 4 },
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    ...overrides,
  };
}

const deployMce = (input: unknown) => h.runner.start('DeployMultiContainerEndpoint', input).result;

// Each case has an endpoint of its own (the refused ones create none): the cases of each workflow run at once.
describe.concurrent('DeployMultiContainerEndpoint', () => {
  it('deploys two containers, each invoked and checked by its hostname, then updates one', async () => {
    const created = await deployMce(mceInput('mce', h.models['linear-v2']));
    const firstConfig = (await describeEndpoint(h, 'mce'))?.EndpointConfigName;
    const v2 = await predictWith('mce', 'upsell');

    const updated = await deployMce(mceInput('mce', h.models['linear-v1']));

    expect(created.status, created.cause).toBe('SUCCEEDED');
    expect(await predictWith('mce', 'churn')).toBe('{"predictions":[9]}');
    expect(v2).toBe('{"predictions":[9.5]}');
    expect(updated.status, updated.cause).toBe('SUCCEEDED');
    expect(updated.output).toMatchObject({ endpoint: { action: 'update', previousConfigName: firstConfig } });
    expect(await predictWith('mce', 'upsell')).toBe('{"predictions":[9]}');
  });

  it("rolls back an update when one container's check fails, naming that container", async () => {
    await deployMce(mceInput('mce-rollback', h.models['linear-v2']));
    const before = (await describeEndpoint(h, 'mce-rollback'))?.EndpointConfigName;

    const result = await deployMce(mceInput('mce-rollback', h.models['linear-v3-broken']));

    expect(result).toMatchObject({ status: 'FAILED', error: 'HealthCheckFailedError' });
    expect(result.cause).toContain('container upsell sample 1');
    expect((await describeEndpoint(h, 'mce-rollback'))?.EndpointConfigName).toBe(before);
    expect(await predictWith('mce-rollback', 'upsell')).toBe('{"predictions":[9.5]}');
  });

  it.each([
    [
      'duplicate hostnames',
      {
        containers: [
          { hostname: 'a', image: IMAGE, modelDataUrl: 's3://bucket1/a.tar.gz' },
          { hostname: 'a', image: IMAGE, modelDataUrl: 's3://bucket1/b.tar.gz' },
        ],
      },
      'containers: container hostnames must be unique; \\"a\\" repeats',
    ],
    [
      '16 containers',
      {
        containers: Array.from({ length: 16 }, (_, i) => ({
          hostname: `c${i}`,
          image: IMAGE,
          modelDataUrl: 's3://bucket1/m.tar.gz',
        })),
      },
      'containers: expected at most 15 containers',
    ],
    [
      'one container (Direct needs two or more)',
      { containers: [{ hostname: 'a', image: IMAGE, modelDataUrl: 's3://bucket1/a.tar.gz' }] },
      'containers: expected at least 2 containers',
    ],
    [
      'a serverless variant',
      { variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 2 } }] },
      'variants[0].serverless: expected an instance type',
    ],
    [
      'a container without a hostname',
      {
        containers: [
          { hostname: 'a', image: IMAGE, modelDataUrl: 's3://bucket1/a.tar.gz' },
          { image: IMAGE, modelDataUrl: 's3://bucket1/b.tar.gz' },
        ],
      },
      'containers[1].hostname: expected a hostname on every container',
    ],
  ])('rejects %s at its first state, creating nothing', async (_what, overrides, message) => {
    const result = await deployMce(mceInput('mce-bad', 's3://bucket1/x.tar.gz', overrides));

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain(message);
    expect(await resourcesOf(h, 'mce-bad')).toEqual({ models: [], configs: [], endpoints: [] });
  });
});

/** Invokes a pipeline with raw features; the featurizer standardizes them, the model predicts. */
async function predictThrough(endpointName: string, body: string): Promise<string> {
  const out = await h.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpointName,
      ContentType: 'text/csv',
      Accept: 'application/json',
      Body: body,
    }),
  );
  return new TextDecoder().decode(out.Body).trim();
}

// featurizer-v1 standardizes (x - [10, 20]) / [2, 4]; linear-standardized-v1 on those equals linear-v1 on raw
// features (y = 2a + 3b + 1): 12,24 gives 97.
function pipelineInput(endpointName: string, model: string, overrides: Record<string, unknown> = {}) {
  return {
    endpointName,
    containers: [
      { hostname: 'featurizer', image: FEATURIZER_IMAGE, modelDataUrl: h.models['featurizer-v1'] },
      { hostname: 'model', image: IMAGE, modelDataUrl: model },
    ],
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '12,24', expectedOutput: '{"predictions":[97]}' },
      ],
      invocations: 4,
    },
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    ...overrides,
  };
}

const deployPipeline = (input: unknown) => h.runner.start('DeploySerialPipeline', input).result;

describe.concurrent('DeploySerialPipeline', () => {
  it('deploys featurizer then model as one pipeline, checked by its end-to-end answer', async () => {
    const result = await deployPipeline(pipelineInput('pipeline', h.models['linear-standardized-v1']));

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(await predictThrough('pipeline', '12,24')).toBe('{"predictions":[97]}');
    expect(await predictThrough('pipeline', '10,20')).toBe('{"predictions":[81]}');
    // The model the endpoint serves (other tests of this file deploy endpoints whose names start the same, at once).
    const config = await h.sagemaker.send(
      new DescribeEndpointConfigCommand({
        EndpointConfigName: (await describeEndpoint(h, 'pipeline'))?.EndpointConfigName,
      }),
    );
    expect(config.ProductionVariants).toHaveLength(1);
    const model = config.ProductionVariants?.[0]?.ModelName;
    const described = await h.sagemaker.send(new DescribeModelCommand({ ModelName: model }));
    expect(described.Containers?.map((c) => c.ContainerHostname)).toEqual(['featurizer', 'model']);
    expect(described.InferenceExecutionConfig).toEqual({ Mode: 'Serial' });
  });

  it('rolls back an update whose model stage fails, naming that container', async () => {
    await deployPipeline(pipelineInput('pipeline-rollback', h.models['linear-standardized-v1']));
    const before = (await describeEndpoint(h, 'pipeline-rollback'))?.EndpointConfigName;

    // linear-v3-broken wants three features; the featurizer passes on two.
    const result = await deployPipeline(pipelineInput('pipeline-rollback', h.models['linear-v3-broken']));

    expect(result).toMatchObject({ status: 'FAILED', error: 'HealthCheckFailedError' });
    expect(result.cause).toContain('from container model');
    expect((await describeEndpoint(h, 'pipeline-rollback'))?.EndpointConfigName).toBe(before);
    expect(await predictThrough('pipeline-rollback', '12,24')).toBe('{"predictions":[97]}');
  });

  it('fails a pipeline whose answer is not the stated one, and leaves no endpoint behind', async () => {
    // linear-v1 on standardized features: 2*1 + 3*1 + 1 = 6, not 97.
    const result = await deployPipeline(pipelineInput('pipeline-wrong', h.models['linear-v1']));

    expect(result).toMatchObject({ status: 'FAILED', error: 'HealthCheckFailedError' });
    const { errorMessage } = JSON.parse(result.cause ?? '{}') as { errorMessage: string };
    expect(errorMessage).toContain(
      'sample 0: expected output "{\\"predictions\\":[97]}", got "{\\"predictions\\":[6]}"',
    );
    expect((await resourcesOf(h, 'pipeline-wrong')).endpoints).toEqual([]);
  });

  it.each([
    [
      'hostnames on only some containers',
      {
        containers: [
          { hostname: 'featurizer', image: FEATURIZER_IMAGE, modelDataUrl: 's3://bucket1/f.tar.gz' },
          { image: IMAGE, modelDataUrl: 's3://bucket1/m.tar.gz' },
        ],
      },
      'containers: expected hostnames on all containers or on none',
    ],
    [
      'a serverless variant',
      { variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 2 } }] },
      'variants[0].serverless: serverless endpoints do not run inference pipelines',
    ],
    [
      'a sample aimed at one container',
      {
        healthCheck: {
          samples: [{ body: '12,24', contentType: 'text/csv', targetContainerHostname: 'model', expectedOutput: '1' }],
        },
      },
      'targetContainerHostname',
    ],
    [
      'a sample without a stated output',
      { healthCheck: { samples: [{ body: '12,24', contentType: 'text/csv' }] } },
      'healthCheck.samples[0]: expected expectedOutput or expectedOutputContains',
    ],
  ])('rejects %s at its first state, creating nothing', async (_what, overrides, message) => {
    const result = await deployPipeline(pipelineInput('pipeline-bad', 's3://bucket1/x.tar.gz', overrides));

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toContain(message);
    expect(await resourcesOf(h, 'pipeline-bad')).toEqual({ models: [], configs: [], endpoints: [] });
  });
});
