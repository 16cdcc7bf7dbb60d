import { fileURLToPath } from 'node:url';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clients,
  deployModel,
  LINEAR_IMAGE,
  startTestEmulator,
  uploadLinearModel,
  waitForEndpoint,
} from './helpers.ts';

const LINEAR_SERVER = fileURLToPath(new URL('../../../examples/containers/linear/server.mjs', import.meta.url));
const ECHO_IMAGE = 'public.ecr.aws/acme/smwf-examples/echo:latest';

describe('emulated hosting', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let sagemaker: SageMakerClient;
  let runtime: SageMakerRuntimeClient;
  let modelUri: string;
  let otherModelUri: string;

  function deploy(endpointName: string, containers: Record<string, unknown>[], mode?: 'Serial' | 'Direct') {
    return deployModel(sagemaker, endpointName, {
      ...(containers.length === 1 ? { PrimaryContainer: containers[0] } : { Containers: containers }),
      ...(mode ? { InferenceExecutionConfig: { Mode: mode } } : {}),
    });
  }

  async function invokeJson(
    endpointName: string,
    body: unknown,
    extra: { TargetContainerHostname?: string; TargetModel?: string } = {},
  ) {
    const out = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: JSON.stringify(body),
        ...extra,
      }),
    );
    return JSON.parse(Buffer.from(out.Body).toString('utf8')) as Record<string, unknown>;
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({
      startupTimeoutSeconds: 3,
      faults: { seed: 3 },
      images: { images: { 'registry.example.com/team/custom-*:*': { command: [process.execPath, LINEAR_SERVER] } } },
    });
    ({ sagemaker, runtime } = clients(emulator.url));
    const { s3 } = clients(emulator.url);
    modelUri = await uploadLinearModel(s3, 'artifacts', 'a/model.tar.gz', [1, 0], 0);
    otherModelUri = await uploadLinearModel(s3, 'artifacts', 'b/model.tar.gz', [0, 0], 100);
    await uploadLinearModel(s3, 'artifacts', 'mme/first.tar.gz', [1, 0], 0);
    await uploadLinearModel(s3, 'artifacts', 'mme/second.tar.gz', [0, 0], 100);
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('runs images mapped by a glob in the images file', async () => {
    const endpoint = await deploy('custom', [
      { Image: 'registry.example.com/team/custom-linear:7', ModelDataUrl: modelUri },
    ]);

    expect(endpoint.EndpointStatus).toBe('InService');
    expect(await invokeJson('custom', [[4, 5]])).toEqual({ predictions: [4] });
  });

  it('fails endpoints whose artifact is missing or whose image is not mapped', async () => {
    const missing = await deploy('missing-artifact', [
      { Image: LINEAR_IMAGE, ModelDataUrl: 's3://artifacts/none.tar.gz' },
    ]);
    const unmapped = await deploy('unmapped', [{ Image: 'registry.example.com/unknown:1' }]);

    expect(missing.EndpointStatus).toBe('Failed');
    expect(missing.FailureReason).toBe(
      'Failed to download model data for container "primary" from URL: "s3://artifacts/none.tar.gz". Please ensure that there is an object located at the URL and that the role passed to CreateModel has permissions to download the object.',
    );
    expect(unmapped.EndpointStatus).toBe('Failed');
    expect(unmapped.FailureReason).toContain("The image 'registry.example.com/unknown:1'");
  });

  it('chains the containers of a Serial inference pipeline', async () => {
    const endpoint = await deploy(
      'pipeline',
      [
        { Image: ECHO_IMAGE, ContainerHostname: 'first', Environment: { SMWF_ECHO_NAME: 'first' } },
        { Image: ECHO_IMAGE, ContainerHostname: 'second', Environment: { SMWF_ECHO_NAME: 'second' } },
      ],
      'Serial',
    );

    const answer = await invokeJson('pipeline', { x: 1 });

    expect(endpoint.ProductionVariants?.[0]?.DeployedImages).toHaveLength(2);
    expect(answer).toMatchObject({ container: 'second', received: { container: 'first', received: { x: 1 } } });
  });

  it('routes Direct multi-container invocations by TargetContainerHostname', async () => {
    await deploy(
      'direct',
      [
        { Image: ECHO_IMAGE, ContainerHostname: 'alpha', Environment: { SMWF_ECHO_NAME: 'alpha' } },
        { Image: ECHO_IMAGE, ContainerHostname: 'beta', Environment: { SMWF_ECHO_NAME: 'beta' } },
      ],
      'Direct',
    );

    const beta = await invokeJson('direct', { y: 2 }, { TargetContainerHostname: 'beta' });
    const untargeted = await invokeJson('direct', {}).catch((err: Error) => err);

    expect(beta).toMatchObject({ container: 'beta', received: { y: 2 } });
    expect((untargeted as Error).name).toBe('ValidationError');
  });

  it('starts a container again when it exits while the endpoint is InService', async () => {
    await deploy('crashy', [
      { Image: LINEAR_IMAGE, ModelDataUrl: modelUri, Environment: { SMWF_EXAMPLE_FAULT: 'crash-after-invocation' } },
    ]);

    const first = await invokeJson('crashy', [[3, 0]]);
    let recovered: unknown;
    const failures: string[] = [];
    for (let i = 0; i < 100 && recovered === undefined; i++) {
      recovered = await invokeJson('crashy', [[5, 0]]).catch((err: Error) => {
        failures.push(err.name);
        return undefined;
      });
      if (recovered === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    const described = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'crashy' }));

    expect(first).toEqual({ predictions: [3] });
    expect(recovered).toEqual({ predictions: [5] });
    expect(failures.every((name) => name === 'ModelError')).toBe(true);
    expect(described.EndpointStatus).toBe('InService');
  });

  it('loads multi-model endpoint models on demand through the /models API, per TargetModel', async () => {
    const endpoint = await deploy('multi', [
      { Image: LINEAR_IMAGE, Mode: 'MultiModel', ModelDataUrl: 's3://artifacts/mme/' },
    ]);

    const first = await invokeJson('multi', [[4, 5]], { TargetModel: 'first.tar.gz' });
    const second = await invokeJson('multi', [[4, 5]], { TargetModel: 'second.tar.gz' });
    const again = await invokeJson('multi', [[7, 5]], { TargetModel: 'first.tar.gz' });
    const noTarget = await invokeJson('multi', [[1, 1]]).catch((err: Error) => err);
    const missing = await invokeJson('multi', [[1, 1]], { TargetModel: 'none.tar.gz' }).catch((err: Error) => err);

    expect(endpoint.EndpointStatus).toBe('InService');
    expect(first).toEqual({ predictions: [4] });
    expect(second).toEqual({ predictions: [100] });
    expect(again).toEqual({ predictions: [7] });
    expect((noTarget as Error).name).toBe('ValidationError');
    expect((missing as Error).name).toBe('ValidationError');
    expect((missing as Error).message).toContain(
      'Failed to download model data(bucket: artifacts, key: mme/none.tar.gz)',
    );
  });

  it('shifts a canary share of traffic to the new fleet while baking, then all of it', async () => {
    await deploy('canary', [{ Image: LINEAR_IMAGE, ModelDataUrl: modelUri }]);
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'canary-v2',
        PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: otherModelUri },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'canary-v2',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'canary-v2', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );
    const deploymentConfig = {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'CANARY' as const,
          CanarySize: { Type: 'CAPACITY_PERCENT' as const, Value: 50 },
          WaitIntervalInSeconds: 2,
        },
      },
    };

    await sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: 'canary',
        EndpointConfigName: 'canary-v2',
        DeploymentConfig: deploymentConfig,
      }),
    );
    let baking = false;
    for (let i = 0; i < 100 && !baking; i++) {
      const described = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'canary' }));
      baking = described.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status === 'Baking';
      if (!baking) await new Promise((r) => setTimeout(r, 50));
    }
    const during: unknown[] = [];
    for (let i = 0; i < 20; i++) during.push((await invokeJson('canary', [[1, 1]])).predictions);
    const settled = await waitForEndpoint(sagemaker, 'canary');

    expect(baking).toBe(true);
    expect(during).toContainEqual([1]);
    expect(during).toContainEqual([100]);
    expect(settled.EndpointConfigName).toBe('canary-v2');
    expect(settled.LastDeploymentConfig).toEqual(deploymentConfig);
    expect(await invokeJson('canary', [[1, 1]])).toEqual({ predictions: [100] });
  });
});
