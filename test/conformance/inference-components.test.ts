/**
 * Inference components on every SageMaker behaviour the tests use: the emulator over HTTP (copies as processes) and
 * ScriptedSageMaker (the same core in process, scripted copies on a manual clock) answer the component operations
 * and the component header alike, through the unchanged AWS SDK clients.
 */
import { rmSync } from 'node:fs';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  DeleteInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  type DescribeInferenceComponentCommandOutput,
  SageMakerClient,
  UpdateInferenceComponentCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTING_INSTANCE_RESOURCES } from '../../contracts/parts/instance-resources.ts';
import { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { errorOf, LINEAR_IMAGE, startTestEmulator, uploadLinearModel } from '../local/emulator/helpers.ts';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const TRANSITIONAL = new Set(['Creating', 'Updating', 'Deleting']);

interface ComponentDouble {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  scaling: ApplicationAutoScalingClient;
  artifact: string;
  /** Lets time pass once. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const DOUBLES: readonly { name: string; start(): Promise<ComponentDouble> }[] = [
  {
    name: 'emulator',
    async start() {
      const server = await startTestEmulator({ instanceTypes: HOSTING_INSTANCE_RESOURCES });
      const common = { endpoint: server.url, region: REGION, credentials, maxAttempts: 1 };
      const sagemaker = new SageMakerClient(common);
      const { S3Client } = await import('@aws-sdk/client-s3');
      const s3 = new S3Client({ ...common, forcePathStyle: true });
      const artifact = await uploadLinearModel(s3, 'conformance', 'ic/model.tar.gz', [1, 1], 0);
      return {
        sagemaker,
        runtime: new SageMakerRuntimeClient(common),
        scaling: new ApplicationAutoScalingClient(common),
        artifact,
        tick: () => new Promise((resolve) => setTimeout(resolve, 50)),
        async stop() {
          await server.stop();
          rmSync(server.stateDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'ScriptedSageMaker',
    async start() {
      const aws = new ScriptedSageMaker({
        instanceTypes: HOSTING_INSTANCE_RESOURCES,
        script: { provisioningSeconds: 120, deletingSeconds: 30 },
      });
      return {
        sagemaker: aws.sageMakerClient(REGION),
        runtime: aws.runtimeClient(REGION),
        scaling: aws.autoScalingClient(REGION),
        artifact: 's3://conformance/ic/model.tar.gz',
        tick: () => aws.advance(30),
        async stop() {},
      };
    },
  },
];

describe.each(DOUBLES)('inference components on $name', (factory) => {
  let d: ComponentDouble;

  async function settle(name: string): Promise<DescribeInferenceComponentCommandOutput | Error> {
    for (let i = 0; i < 400; i++) {
      let out: DescribeInferenceComponentCommandOutput;
      try {
        out = await d.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      } catch (error) {
        return error as Error;
      }
      if (!TRANSITIONAL.has(out.InferenceComponentStatus ?? '')) return out;
      await d.tick();
    }
    throw new Error(`${name} did not settle`);
  }

  const spec = (environment: Record<string, string> = {}) => ({
    Container: { Image: LINEAR_IMAGE, ArtifactUrl: d.artifact, Environment: environment },
    ComputeResourceRequirements: { NumberOfCpuCoresRequired: 0.5, MinMemoryRequiredInMb: 512 },
  });

  beforeAll(async () => {
    d = await factory.start();
    await d.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'ic-config',
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/test',
        ProductionVariants: [{ VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
      }),
    );
    await d.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'ic', EndpointConfigName: 'ic-config' }));
    for (let i = 0; i < 400; i++) {
      const endpoint = await d.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'ic' }));
      if (endpoint.EndpointStatus === 'InService') break;
      await d.tick();
    }
  }, 60_000);

  afterAll(async () => {
    await d?.stop();
  });

  it('creates a component Creating, then InService with its copies, invoked only by its name', async () => {
    await d.sagemaker.send(
      new CreateInferenceComponentCommand({
        InferenceComponentName: 'ic-a',
        EndpointName: 'ic',
        VariantName: 'AllTraffic',
        Specification: spec(),
        RuntimeConfig: { CopyCount: 2 },
      }),
    );
    const creating = await d.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: 'ic-a' }));
    const settled = (await settle('ic-a')) as DescribeInferenceComponentCommandOutput;
    const answered = await d.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'ic',
        InferenceComponentName: 'ic-a',
        ContentType: 'text/csv',
        Body: '1,2',
      }),
    );
    const missing = await errorOf(
      d.runtime.send(new InvokeEndpointCommand({ EndpointName: 'ic', ContentType: 'text/csv', Body: '1,2' })),
    );

    expect(creating.InferenceComponentStatus).toBe('Creating');
    expect(settled.InferenceComponentStatus).toBe('InService');
    expect(settled.RuntimeConfig).toEqual({ DesiredCopyCount: 2, CurrentCopyCount: 2 });
    expect(answered.$metadata.httpStatusCode).toBe(200);
    expect(missing.name).toBe('ValidationError');
    expect(missing.message).toContain('Inference Component Name header is required');
  });

  it('rolls back an update whose copies fail their ping: InService on the previous specification, with a FailureReason', async () => {
    await d.sagemaker.send(
      new UpdateInferenceComponentCommand({
        InferenceComponentName: 'ic-a',
        Specification: spec({ SMWF_EXAMPLE_FAULT: 'exit-on-start' }),
        DeploymentConfig: {
          RollingUpdatePolicy: { MaximumBatchSize: { Type: 'COPY_COUNT', Value: 1 }, WaitIntervalInSeconds: 0 },
        },
      }),
    );
    const settled = (await settle('ic-a')) as DescribeInferenceComponentCommandOutput;

    expect(settled.InferenceComponentStatus).toBe('InService');
    expect(settled.FailureReason).toContain('A copy of inference component ic-a');
    expect(settled.Specification?.Container?.Environment ?? {}).toEqual({});
    expect(settled.RuntimeConfig?.CurrentCopyCount).toBe(2);
  });

  it('moves the copy count into the range Application Auto Scaling registers for the component', async () => {
    await d.scaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: 'inference-component/ic-a',
        ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
        MinCapacity: 3,
        MaxCapacity: 4,
      }),
    );
    const settled = (await settle('ic-a')) as DescribeInferenceComponentCommandOutput;

    expect(settled.InferenceComponentStatus).toBe('InService');
    expect(settled.RuntimeConfig).toEqual({ DesiredCopyCount: 3, CurrentCopyCount: 3 });
  });

  it('fails a component that does not fit with a capacity FailureReason, and deletes components until they are gone', async () => {
    await d.sagemaker.send(
      new CreateInferenceComponentCommand({
        InferenceComponentName: 'ic-huge',
        EndpointName: 'ic',
        Specification: { ...spec(), ComputeResourceRequirements: { MinMemoryRequiredInMb: 8000 } },
      }),
    );
    const huge = (await settle('ic-huge')) as DescribeInferenceComponentCommandOutput;
    await d.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: 'ic-huge' }));
    await d.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: 'ic-a' }));
    const gone = [await settle('ic-huge'), await settle('ic-a')];

    expect(huge.InferenceComponentStatus).toBe('Failed');
    expect(huge.FailureReason).toContain('insufficient capacity');
    for (const error of gone) expect((error as Error).message).toContain('Could not find inference component');
    // A deleted component is no scalable target any more.
    const targets = await d.scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(targets.ScalableTargets).toEqual([]);
  });
});
