import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  DeleteEndpointCommand,
  DeleteInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  type DescribeInferenceComponentCommandOutput,
  ListInferenceComponentsCommand,
  UpdateInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTING_INSTANCE_RESOURCES } from '../../../contracts/parts/instance-resources.ts';
import {
  clients,
  deployModel,
  errorOf,
  LINEAR_IMAGE,
  startTestEmulator,
  uploadLinearModel,
  waitForEndpoint,
} from './helpers.ts';

const ROLE = 'arn:aws:iam::123456789012:role/test';
const BUCKET = 'components';

describe('inference components hosted on an endpoint of two instances', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let c: ReturnType<typeof clients>;
  const artifacts: Record<string, string> = {};

  async function invoke(componentName: string | undefined, endpointName = 'shared'): Promise<string> {
    const out = await c.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: 'text/csv',
        Body: '1,2',
        ...(componentName ? { InferenceComponentName: componentName } : {}),
      }),
    );
    return Buffer.from(out.Body).toString('utf8').trim();
  }

  async function settled(name: string, timeoutMs = 15_000): Promise<DescribeInferenceComponentCommandOutput> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = await c.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      if (!['Creating', 'Updating', 'Deleting'].includes(out.InferenceComponentStatus ?? '')) return out;
      if (Date.now() > deadline) throw new Error(`${name} still ${out.InferenceComponentStatus}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function createComponent(name: string, artifact: string, cpus: number, memory: number, copies: number) {
    await c.sagemaker.send(
      new CreateInferenceComponentCommand({
        InferenceComponentName: name,
        EndpointName: 'shared',
        VariantName: 'AllTraffic',
        Specification: {
          Container: { Image: LINEAR_IMAGE, ArtifactUrl: artifact },
          ComputeResourceRequirements: { NumberOfCpuCoresRequired: cpus, MinMemoryRequiredInMb: memory },
        },
        RuntimeConfig: { CopyCount: copies },
      }),
    );
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({ instanceTypes: HOSTING_INSTANCE_RESOURCES });
    c = clients(emulator.url);
    artifacts.small = await uploadLinearModel(c.s3, BUCKET, 'small/model.tar.gz', [1, 1], 0);
    artifacts.big = await uploadLinearModel(c.s3, BUCKET, 'big/model.tar.gz', [10, 10], 0);
    artifacts.smallV2 = await uploadLinearModel(c.s3, BUCKET, 'small-v2/model.tar.gz', [2, 2], 0);
    await c.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'shared-config',
        ExecutionRoleArn: ROLE,
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 2,
            RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
          },
        ],
      }),
    );
    await c.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'shared', EndpointConfigName: 'shared-config' }));
    await waitForEndpoint(c.sagemaker, 'shared');
    // ml.m5.large: 2 vCPUs and 8 GiB per instance. small: 2 copies of 1 core; big: 1 copy of 1 core, 4 GiB.
    await createComponent('small', artifacts.small as string, 1, 1024, 2);
    await createComponent('big', artifacts.big as string, 1, 4096, 1);
    await Promise.all([settled('small'), settled('big')]);
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it('serves each component with its own model, by the component header, on copies it counts', async () => {
    const small = await c.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: 'small' }));
    const listed = await c.sagemaker.send(new ListInferenceComponentsCommand({ EndpointNameEquals: 'shared' }));

    expect(small.InferenceComponentStatus).toBe('InService');
    expect(small.RuntimeConfig).toEqual({ DesiredCopyCount: 2, CurrentCopyCount: 2 });
    expect(small.InferenceComponentArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:inference-component/small');
    expect(listed.InferenceComponents?.map((i) => i.InferenceComponentName).sort()).toEqual(['big', 'small']);
    expect(await invoke('small')).toBe('3');
    expect(await invoke('big')).toBe('30');
  });

  it('refuses an invocation without the header, with an unknown component, and the header on an endpoint of models', async () => {
    await deployModel(c.sagemaker, 'of-models', {
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: artifacts.small as string },
    });

    const missing = await errorOf(invoke(undefined));
    const unknown = await errorOf(invoke('nope'));
    const onModels = await errorOf(invoke('small', 'of-models'));

    expect(missing.name).toBe('ValidationError');
    expect(missing.message).toContain('Inference Component Name header is required');
    expect(unknown.name).toBe('ValidationError');
    expect(unknown.message).toContain('Inference component nope is not hosted on endpoint shared');
    expect(onModels.name).toBe('ValidationError');
    expect(onModels.message).toContain('hosts no inference components');
    expect(await invoke(undefined, 'of-models')).toBe('3');
  });

  it('fails a component too large for the free capacity with a capacity FailureReason; the others keep serving', async () => {
    await createComponent('huge', artifacts.big as string, 2, 1024, 1);

    const huge = await settled('huge');

    expect(huge.InferenceComponentStatus).toBe('Failed');
    expect(huge.FailureReason).toContain('insufficient capacity');
    expect(await invoke('small')).toBe('3');
    expect(await invoke('big')).toBe('30');
    await c.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: 'huge' }));
  });

  it('refuses accelerators on an instance type without them', async () => {
    const error = await errorOf(
      c.sagemaker.send(
        new CreateInferenceComponentCommand({
          InferenceComponentName: 'gpu',
          EndpointName: 'shared',
          Specification: {
            Container: { Image: LINEAR_IMAGE, ArtifactUrl: artifacts.small as string },
            ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: 1, MinMemoryRequiredInMb: 1024 },
          },
        }),
      ),
    );

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('an instance type without accelerators');
  });

  it('rolls an update out copy by copy while the other component answers without errors', async () => {
    const errors: unknown[] = [];
    let stop = false;
    let bigAnswers = 0;
    const invoker = (async () => {
      while (!stop) {
        try {
          expect(await invoke('big')).toBe('30');
          bigAnswers += 1;
        } catch (err) {
          errors.push(err);
        }
      }
    })();

    await c.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: 'small',
        Specification: {
          Container: { Image: LINEAR_IMAGE, ArtifactUrl: artifacts.smallV2 as string },
          ComputeResourceRequirements: { NumberOfCpuCoresRequired: 1, MinMemoryRequiredInMb: 1024 },
        },
        DeploymentConfig: {
          RollingUpdatePolicy: { MaximumBatchSize: { Type: 'COPY_COUNT', Value: 1 }, WaitIntervalInSeconds: 0 },
        },
      }),
    );
    const during = await c.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: 'small' }));
    const after = await settled('small');
    stop = true;
    await invoker;

    expect(during.InferenceComponentStatus).toBe('Updating');
    expect(after.InferenceComponentStatus).toBe('InService');
    expect(after.FailureReason).toBeUndefined();
    expect(after.RuntimeConfig?.CurrentCopyCount).toBe(2);
    expect(errors).toEqual([]);
    expect(bigAnswers).toBeGreaterThan(0);
    expect(await invoke('small')).toBe('6');
  }, 30_000);

  it('rolls a broken update back to the previous specification, InService with a FailureReason', async () => {
    await c.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: 'small',
        Specification: {
          Container: {
            Image: LINEAR_IMAGE,
            ArtifactUrl: artifacts.small as string,
            Environment: { SMWF_EXAMPLE_FAULT: 'exit-on-start' },
          },
          ComputeResourceRequirements: { NumberOfCpuCoresRequired: 1, MinMemoryRequiredInMb: 1024 },
        },
        DeploymentConfig: {
          RollingUpdatePolicy: {
            MaximumBatchSize: { Type: 'COPY_COUNT', Value: 1 },
            WaitIntervalInSeconds: 0,
            RollbackMaximumBatchSize: { Type: 'COPY_COUNT', Value: 1 },
          },
        },
      }),
    );

    const after = await settled('small');

    expect(after.InferenceComponentStatus).toBe('InService');
    expect(after.FailureReason).toContain('exit-on-start, exiting before serving');
    expect(after.Specification?.Container?.ArtifactUrl).toBe(artifacts.smallV2);
    expect(after.RuntimeConfig?.CurrentCopyCount).toBe(2);
    expect(await invoke('small')).toBe('6');
  }, 30_000);

  it('scales copies with UpdateInferenceComponentRuntimeConfig', async () => {
    await c.sagemaker.send(
      new UpdateInferenceComponentRuntimeConfigCommand({
        InferenceComponentName: 'small',
        DesiredRuntimeConfig: { CopyCount: 1 },
      }),
    );

    const after = await settled('small');

    expect(after.RuntimeConfig).toEqual({ DesiredCopyCount: 1, CurrentCopyCount: 1 });
    expect(await invoke('small')).toBe('6');
  });

  it('deletes a component while the other keeps answering; the endpoint is refused deletion while it hosts one', async () => {
    await c.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: 'big' }));
    const gone = await errorOf(settled('big'));
    const refused = await errorOf(c.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'shared' })));
    const endpoint = await c.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'shared' }));

    expect(gone.message).toContain('Could not find inference component');
    expect(refused.message).toContain('while it hosts inference components (small)');
    expect(endpoint.EndpointStatus).toBe('InService');
    expect(await invoke('small')).toBe('6');
    expect((await errorOf(invoke('big'))).message).toContain('Inference component big is not hosted');
  });
});
