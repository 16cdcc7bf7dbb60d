import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clients,
  errorOf,
  LINEAR_IMAGE,
  startTestEmulator,
  uploadLinearModel,
  waitForEndpoint,
  waitUntilDeleted,
} from './helpers.ts';

const ROLE = 'arn:aws:iam::123456789012:role/SageMakerExecution';

describe('emulated endpoint lifecycle', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let sagemaker: SageMakerClient;
  let runtime: SageMakerRuntimeClient;
  let goodModelUri: string;
  let betterModelUri: string;

  async function createModel(name: string, uri: string, environment: Record<string, string> = {}) {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: uri, Environment: environment },
      }),
    );
  }

  async function createConfig(name: string, modelName: string) {
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: modelName, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );
  }

  async function invokeCsv(endpointName: string, body: string): Promise<string> {
    const out = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: 'text/csv',
        Accept: 'text/csv',
        Body: body,
      }),
    );
    return Buffer.from(out.Body).toString('utf8').trim();
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({ startupTimeoutSeconds: 3 });
    ({ sagemaker, runtime } = clients(emulator.url));
    const { s3 } = clients(emulator.url);
    goodModelUri = await uploadLinearModel(s3, 'models', 'linear/v1/model.tar.gz', [2, 3], 1);
    betterModelUri = await uploadLinearModel(s3, 'models', 'linear/v2/model.tar.gz', [10, 0], 0);
    await createModel('linear-v1', goodModelUri);
    await createModel('linear-v2', betterModelUri);
    await createModel('linear-never-ready', goodModelUri, { SMWF_EXAMPLE_FAULT: 'never-ready' });
    await createModel('linear-crashes', goodModelUri, { SMWF_EXAMPLE_FAULT: 'exit-on-start' });
    await createModel('linear-500', goodModelUri, { SMWF_EXAMPLE_FAULT: 'fail-invocations' });
    await createConfig('cfg-v1', 'linear-v1');
    await createConfig('cfg-v2', 'linear-v2');
    await createConfig('cfg-never-ready', 'linear-never-ready');
    await createConfig('cfg-crashes', 'linear-crashes');
    await createConfig('cfg-500', 'linear-500');
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('creates an endpoint that reaches InService and serves the model prediction', async () => {
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'linear', EndpointConfigName: 'cfg-v1' }));
    const creating = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'linear' }));
    expect(creating.EndpointStatus).toBe('Creating');

    const settled = await waitForEndpoint(sagemaker, 'linear');

    expect(settled.EndpointStatus).toBe('InService');
    expect(settled.EndpointConfigName).toBe('cfg-v1');
    expect(settled.EndpointArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:endpoint/linear');
    expect(settled.ProductionVariants?.[0]?.DeployedImages?.[0]?.SpecifiedImage).toBe(LINEAR_IMAGE);
    expect(settled.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(1);
    // 2*1 + 3*2 + 1 = 9 and 2*3 + 3*4 + 1 = 19
    expect(await invokeCsv('linear', '1,2\n3,4')).toBe('9\n19');
    const json = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'linear',
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: JSON.stringify({ instances: [[1, 1]] }),
        CustomAttributes: 'trace=abc',
      }),
    );
    expect(JSON.parse(Buffer.from(json.Body).toString('utf8'))).toEqual({ predictions: [6] });
    expect(json.ContentType).toBe('application/json');
    expect(json.InvokedProductionVariant).toBe('AllTraffic');
    expect(json.CustomAttributes).toBe('trace=abc');
  });

  it('fails an endpoint whose container never answers /ping, with a FailureReason naming the health check', async () => {
    await sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'never-ready', EndpointConfigName: 'cfg-never-ready' }),
    );

    const settled = await waitForEndpoint(sagemaker, 'never-ready');

    expect(settled.EndpointStatus).toBe('Failed');
    expect(settled.FailureReason).toContain(
      'The primary container for production variant AllTraffic did not pass the ping health check',
    );
    expect(settled.FailureReason).toContain('linear: serving');
  });

  it('fails at once when the container exits before answering /ping, quoting its last log lines', async () => {
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'crashes', EndpointConfigName: 'cfg-crashes' }));

    const settled = await waitForEndpoint(sagemaker, 'crashes', 2500);

    const update = await errorOf(
      sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'crashes', EndpointConfigName: 'cfg-v1' })),
    );

    expect(settled.EndpointStatus).toBe('Failed');
    expect(update.message).toBe(
      'Cannot update failed endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/crashes".',
    );
    expect(settled.FailureReason).toContain('exited with code 1');
    expect(settled.FailureReason).toContain('exit-on-start, exiting before serving');
  });

  it('updates blue/green to a good config while a concurrent invoker sees no errors', async () => {
    const results: string[] = [];
    const errors: unknown[] = [];
    /** The invoker stops once it has this many answers (set when the update has settled), or at its first error. */
    let stopAtAnswers = Number.POSITIVE_INFINITY;
    const invoker = (async () => {
      while (results.length < stopAtAnswers && errors.length === 0) {
        try {
          results.push(await invokeCsv('linear', '1,2'));
        } catch (err) {
          errors.push(err);
        }
      }
    })();

    await sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'linear', EndpointConfigName: 'cfg-v2' }));
    const updating = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'linear' }));
    const settled = await waitForEndpoint(sagemaker, 'linear');
    // Five more answers after the switch, so requests hit the new fleet too.
    stopAtAnswers = results.length + 5;
    await invoker;

    expect(updating.EndpointStatus).toBe('Updating');
    expect(updating.EndpointConfigName).toBe('cfg-v1');
    expect(updating.PendingDeploymentSummary?.EndpointConfigName).toBe('cfg-v2');
    expect(settled.EndpointStatus).toBe('InService');
    expect(settled.EndpointConfigName).toBe('cfg-v2');
    expect(settled.PendingDeploymentSummary).toBeUndefined();
    expect(settled.FailureReason).toBeUndefined();
    expect(errors).toEqual([]);
    expect(results).toContain('9');
    expect(results.at(-1)).toBe('10');
  });

  it('rolls back silently to the old config when the new fleet fails its health check', async () => {
    await sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'linear', EndpointConfigName: 'cfg-never-ready' }));
    const updating = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'linear' }));
    const busy = await errorOf(
      sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'linear', EndpointConfigName: 'cfg-v1' })),
    );
    const busyDelete = await errorOf(sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'linear' })));

    const settled = await waitForEndpoint(sagemaker, 'linear');

    expect(updating.EndpointStatus).toBe('Updating');
    expect(busy.name).toBe('ValidationException');
    expect(busy.message).toBe(
      'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/linear".',
    );
    expect(busyDelete.message).toBe(busy.message);
    expect(settled.EndpointStatus).toBe('InService');
    expect(settled.EndpointConfigName).toBe('cfg-v2');
    expect(settled.FailureReason).toContain('did not pass the ping health check');
    expect(await invokeCsv('linear', '1,2')).toBe('10');
  });

  it('answers runtime errors with the runtime API error shapes', async () => {
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'fails-500', EndpointConfigName: 'cfg-500' }));
    await waitForEndpoint(sagemaker, 'fails-500');

    const modelError = (await errorOf(
      runtime.send(new InvokeEndpointCommand({ EndpointName: 'fails-500', ContentType: 'text/csv', Body: '1,2' })),
    )) as Awaited<ReturnType<typeof errorOf>> & {
      OriginalStatusCode?: number;
      OriginalMessage?: string;
      LogStreamArn?: string;
    };
    const unknown = await errorOf(
      runtime.send(new InvokeEndpointCommand({ EndpointName: 'nope', ContentType: 'text/csv', Body: '1,2' })),
    );
    const tooLarge = await errorOf(
      runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'linear',
          ContentType: 'text/csv',
          Body: Buffer.alloc(6 * 1024 * 1024 + 1),
        }),
      ),
    );
    const badVariant = await errorOf(
      runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'linear',
          ContentType: 'text/csv',
          Body: '1,2',
          TargetVariant: 'Other',
        }),
      ),
    );

    expect(modelError.name).toBe('ModelError');
    expect(modelError.$metadata?.httpStatusCode).toBe(424);
    expect(modelError.OriginalStatusCode).toBe(500);
    expect(modelError.OriginalMessage).toBe('injected failure');
    expect(modelError.message).toContain('Received server error (500) from primary with message "injected failure"');
    expect(modelError.LogStreamArn).toBe(
      'arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/fails-500',
    );
    expect(unknown.name).toBe('ValidationError');
    expect(unknown.message).toBe('Endpoint nope of account 123456789012 not found.');
    expect(tooLarge.name).toBe('ValidationError');
    expect(tooLarge.message).toBe(
      "1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to 6291456",
    );
    expect(badVariant.name).toBe('ValidationError');
  });

  it('emits SageMaker Endpoint State Change events in the EventBridge format', async () => {
    const events = await emulator.readEvents();
    const linear = events
      .filter((e) => e['detail-type'] === 'SageMaker Endpoint State Change')
      .filter((e) => (e.detail as { EndpointName: string }).EndpointName === 'linear')
      .map((e) => (e.detail as { EndpointStatus: string }).EndpointStatus);

    expect(events[0]?.source).toBe('aws.sagemaker');
    expect(linear.slice(0, 4)).toEqual(['CREATING', 'IN_SERVICE', 'UPDATING', 'IN_SERVICE']);
  });

  it('deletes an endpoint: Deleting, then gone, and its processes stop', async () => {
    await sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'fails-500' }));

    const gone = await waitUntilDeleted(sagemaker, 'fails-500');

    expect(gone.name).toBe('ValidationException');
    expect(gone.message).toBe('Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fails-500".');
    const invokeAfter = await errorOf(
      runtime.send(new InvokeEndpointCommand({ EndpointName: 'fails-500', ContentType: 'text/csv', Body: '1,2' })),
    );
    expect(invokeAfter.message).toBe('Endpoint fails-500 of account 123456789012 not found.');
  });
});
