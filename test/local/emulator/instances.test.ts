import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type InvokeEndpointCommandInput } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleImage, exampleModelArchive } from '../../../examples/example-models.ts';
import {
  clients,
  deployModel,
  linearModelTarball,
  modelProcessesWithEnvironment,
  startTestEmulator,
} from './helpers.ts';

const LINEAR = exampleImage('linear');
const FEATURIZER = exampleImage('featurizer');
const BUCKET = 'instances';
const ROLE = 'arn:aws:iam::123456789012:role/test';
const model = (folder: string) => `s3://${BUCKET}/${folder}/model.tar.gz`;

describe('instances of a variant are processes, and invocations are spread over them', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let c: ReturnType<typeof clients>;
  const marker = (name: string) => `SMWF_TEST_MARKER=${name}-${process.pid}`;

  async function invoke(input: Omit<InvokeEndpointCommandInput, 'Body'> & { Body: string }): Promise<string> {
    const out = await c.runtime.send(new InvokeEndpointCommand(input));
    return Buffer.from(out.Body).toString('utf8').trim();
  }

  beforeAll(async () => {
    emulator = await startTestEmulator();
    c = clients(emulator.url);
    await c.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const folder of ['linear-v1', 'linear-standardized-v1', 'featurizer-v1']) {
      await c.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `${folder}/model.tar.gz`,
          Body: await exampleModelArchive(folder),
        }),
      );
    }
    await c.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'mme/a.tar.gz', Body: await linearModelTarball([1, 1], 0) }),
    );
    const env = (name: string) => ({ SMWF_TEST_MARKER: marker(name).split('=')[1] as string });
    await Promise.all([
      deployModel(
        c.sagemaker,
        'pipeline-x2',
        {
          ExecutionRoleArn: ROLE,
          Containers: [
            {
              Image: FEATURIZER,
              ContainerHostname: 'featurizer',
              ModelDataUrl: model('featurizer-v1'),
              Environment: env('pipeline-x2'),
            },
            {
              Image: LINEAR,
              ContainerHostname: 'linear',
              ModelDataUrl: model('linear-standardized-v1'),
              Environment: env('pipeline-x2'),
            },
          ],
        },
        { InitialInstanceCount: 2 },
      ),
      deployModel(
        c.sagemaker,
        'direct-x2',
        {
          ExecutionRoleArn: ROLE,
          InferenceExecutionConfig: { Mode: 'Direct' },
          Containers: [
            { Image: LINEAR, ContainerHostname: 'linear', ModelDataUrl: model('linear-v1') },
            { Image: FEATURIZER, ContainerHostname: 'featurizer', ModelDataUrl: model('featurizer-v1') },
          ],
        },
        { InitialInstanceCount: 2, RoutingConfig: { RoutingStrategy: 'RANDOM' } },
      ),
      deployModel(
        c.sagemaker,
        'mme-x2',
        {
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: LINEAR, Mode: 'MultiModel', ModelDataUrl: `s3://${BUCKET}/mme/` },
        },
        { InitialInstanceCount: 2 },
      ),
      deployModel(
        c.sagemaker,
        'slow-x2',
        {
          ExecutionRoleArn: ROLE,
          PrimaryContainer: {
            Image: LINEAR,
            ModelDataUrl: model('linear-v1'),
            Environment: { SMWF_EXAMPLE_SERVICE_MS: '1500', SAGEMAKER_MODEL_SERVER_WORKERS: '1' },
          },
        },
        { InitialInstanceCount: 2, RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' } },
      ),
    ]);
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it('runs every container of a pipeline on each instance, and the chain on the instance that takes the request', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => invoke({ EndpointName: 'pipeline-x2', ContentType: 'text/csv', Body: '12,24' })),
    );
    const described = await c.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'pipeline-x2' }));

    expect(new Set(answers)).toEqual(new Set(['{"predictions":[97]}']));
    // Two instances x two containers, each process with the model's Environment.
    expect(modelProcessesWithEnvironment(marker('pipeline-x2'))).toHaveLength(4);
    expect(described.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(2);
  });

  it('routes Direct invocations to the target container of the chosen instance', async () => {
    const linear = await invoke({
      EndpointName: 'direct-x2',
      TargetContainerHostname: 'linear',
      ContentType: 'text/csv',
      Body: '12,24',
    });
    const featurizer = await invoke({
      EndpointName: 'direct-x2',
      TargetContainerHostname: 'featurizer',
      ContentType: 'text/csv',
      Accept: 'text/csv',
      Body: '12,24',
    });

    expect(linear).toBe('97');
    expect(featurizer).toBe('1,1');
  });

  it("loads a multi-model endpoint's models on whichever instance an invocation reaches", async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        invoke({ EndpointName: 'mme-x2', TargetModel: 'a.tar.gz', ContentType: 'text/csv', Body: '2,3' }),
      ),
    );

    expect(new Set(answers)).toEqual(new Set(['5']));
  });

  it('sends a second request to the idle instance under LEAST_OUTSTANDING_REQUESTS', async () => {
    // One worker per instance and 1.5 s per prediction: had both requests gone to one instance, the second would
    // have waited for the first and taken 3 s or more.
    const timed = async () => {
      const started = performance.now();
      await invoke({ EndpointName: 'slow-x2', ContentType: 'text/csv', Body: '1,2' });
      return performance.now() - started;
    };
    const [first, second] = await Promise.all([timed(), timed()]);

    expect(first).toBeGreaterThanOrEqual(1500 - 1);
    expect(second).toBeGreaterThanOrEqual(1500 - 1);
    expect(Math.max(first, second)).toBeLessThan(3000);
  });
});
