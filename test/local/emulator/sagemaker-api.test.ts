import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AddTagsCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteModelCommand,
  DeleteTagsCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListTagsCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clients, errorOf, LINEAR_IMAGE, startTestEmulator } from './helpers.ts';

const ARN = 'arn:aws:sagemaker:us-east-1:123456789012';

describe('emulated SageMaker control plane', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let sagemaker: SageMakerClient;

  const variant = (modelName: string) => ({
    VariantName: 'AllTraffic',
    ModelName: modelName,
    InstanceType: 'ml.m5.large' as const,
    InitialInstanceCount: 1,
  });

  beforeAll(async () => {
    emulator = await startTestEmulator({ limits: { instancesPerType: 3 } });
    ({ sagemaker } = clients(emulator.url, 1));
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'MyModel',
        PrimaryContainer: { Image: LINEAR_IMAGE },
        Tags: [{ Key: 'a', Value: '1' }],
      }),
    );
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('describes a model with a lower-cased ARN and an epoch-seconds CreationTime', async () => {
    const model = await sagemaker.send(new DescribeModelCommand({ ModelName: 'MyModel' }));

    expect(model.ModelName).toBe('MyModel');
    expect(model.ModelArn).toBe(`${ARN}:model/mymodel`);
    expect(model.PrimaryContainer?.Image).toBe(LINEAR_IMAGE);
    expect(model.CreationTime).toBeInstanceOf(Date);
    expect(Math.abs((model.CreationTime as Date).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('answers missing and duplicate resources with SageMaker messages', async () => {
    const cases = await Promise.all([
      errorOf(sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'x' }))),
      errorOf(sagemaker.send(new DescribeModelCommand({ ModelName: 'nope' }))),
      errorOf(sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'nope' }))),
      errorOf(
        sagemaker.send(new CreateModelCommand({ ModelName: 'mymodel', PrimaryContainer: { Image: LINEAR_IMAGE } })),
      ),
      errorOf(
        sagemaker.send(
          new CreateEndpointConfigCommand({ EndpointConfigName: 'c', ProductionVariants: [variant('nope')] }),
        ),
      ),
      errorOf(sagemaker.send(new CreateEndpointCommand({ EndpointName: 'e', EndpointConfigName: 'nope' }))),
      errorOf(sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'nope', EndpointConfigName: 'nope' }))),
    ]);

    expect(cases.map((e) => e.name)).toEqual(Array(7).fill('ValidationException'));
    expect(cases.map((e) => e.message)).toEqual([
      `Could not find endpoint "${ARN}:endpoint/x".`,
      `Could not find model "${ARN}:model/nope".`,
      `Could not find endpoint configuration "${ARN}:endpoint-config/nope".`,
      `Cannot create already existing model "${ARN}:model/mymodel".`,
      `Could not find model "${ARN}:model/nope".`,
      `Could not find endpoint configuration "${ARN}:endpoint-config/nope".`,
      `Could not find endpoint "${ARN}:endpoint/nope".`,
    ]);
    await sagemaker.send(
      new CreateEndpointConfigCommand({ EndpointConfigName: 'dup', ProductionVariants: [variant('MyModel')] }),
    );
    const duplicate = await errorOf(
      sagemaker.send(
        new CreateEndpointConfigCommand({ EndpointConfigName: 'dup', ProductionVariants: [variant('MyModel')] }),
      ),
    );
    expect(duplicate.message).toBe(
      `Cannot create already existing endpoint configuration "${ARN}:endpoint-config/dup".`,
    );
  });

  it('answers ResourceLimitExceeded when an endpoint would exceed the instance quota', async () => {
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'big',
        ProductionVariants: [{ ...variant('MyModel'), InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 4 }],
      }),
    );

    const limited = await errorOf(
      sagemaker.send(new CreateEndpointCommand({ EndpointName: 'big', EndpointConfigName: 'big' })),
    );
    const notCreated = await errorOf(sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'big' })));

    expect(limited.name).toBe('ResourceLimitExceeded');
    expect(limited.message).toContain(
      "The account-level service limit 'ml.g5.xlarge for endpoint usage' is 3 Instances, with current utilization of 0 Instances and a request delta of 4 Instances.",
    );
    expect(notCreated.name).toBe('ValidationException');
  });

  it('refuses alarm-based auto-rollback as not emulated rather than storing it unwatched', async () => {
    const refused = await errorOf(
      sagemaker.send(
        new CreateEndpointCommand({
          EndpointName: 'watched',
          EndpointConfigName: 'big',
          DeploymentConfig: { AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'churn-5xx' }] } },
        }),
      ),
    );
    const notCreated = await errorOf(sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'watched' })));

    expect(refused.name).toBe('UnknownOperationException');
    expect(refused.message).toBe(
      'DeploymentConfig.AutoRollbackConfiguration (rollback on CloudWatch alarms, which the emulator does not have) is not supported by the smwf local emulator yet.',
    );
    expect(notCreated.name).toBe('ValidationException');
  });

  it('validates requests against the API model: pattern, required, enum and range', async () => {
    const badName = await errorOf(sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'bad_name' })));
    const several = await errorOf(
      sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'ok',
          ProductionVariants: [
            // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
            { VariantName: 'v', ModelName: 'MyModel', InstanceType: 'ml.fake' as any, InitialInstanceCount: 0 },
          ],
        }),
      ),
    );
    // biome-ignore lint/suspicious/noExplicitAny: deliberately missing a required member
    const missing = await errorOf(sagemaker.send(new CreateEndpointCommand({ EndpointName: 'e' } as any)));
    const tooMany = await errorOf(
      sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'many',
          ProductionVariants: Array(11).fill(variant('MyModel')),
        }),
      ),
    );

    expect(badName.name).toBe('ValidationException');
    expect(badName.message).toBe(
      "1 validation error detected: Value 'bad_name' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    );
    expect(several.message).toMatch(/^2 validation errors detected: /);
    expect(several.message).toContain(
      "Value 'ml.fake' at 'productionVariants.1.member.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [",
    );
    expect(several.message).toContain(
      "Value '0' at 'productionVariants.1.member.initialInstanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(missing.message).toBe(
      "1 validation error detected: Value null at 'endpointConfigName' failed to satisfy constraint: Member must not be null",
    );
    expect(tooMany.message).toContain(
      "at 'productionVariants' failed to satisfy constraint: Member must have length less than or equal to 10",
    );
  });

  it('answers protocol errors for unknown operations and malformed JSON', async () => {
    const call = (target: string, body: string) =>
      fetch(emulator.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        body,
      });

    const unknown = await call('SageMaker.DoSomethingElse', '{}');
    const malformed = await call('SageMaker.DescribeEndpoint', '{"EndpointName":');

    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { __type: string }).__type).toBe('SerializationException');
  });

  it('lists endpoint configs filtered by name and sorted by creation time', async () => {
    // The emulator runs in this process: with Date faked (timers stay real), each config is created a second after
    // the one before, whatever the machine's speed.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const start = Date.now();
      for (const [i, name] of ['ver-a', 'ver-b', 'ver-c'].entries()) {
        vi.setSystemTime(start + i * 1000);
        await sagemaker.send(
          new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [variant('MyModel')] }),
        );
      }
    } finally {
      vi.useRealTimers();
    }

    const desc = await sagemaker.send(new ListEndpointConfigsCommand({ NameContains: 'VER-', SortBy: 'CreationTime' }));
    const asc = await sagemaker.send(
      new ListEndpointConfigsCommand({
        NameContains: 'ver-',
        SortBy: 'CreationTime',
        SortOrder: 'Ascending',
        MaxResults: 2,
      }),
    );

    expect(desc.EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual(['ver-c', 'ver-b', 'ver-a']);
    expect(asc.EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual(['ver-a', 'ver-b']);
    expect(asc.NextToken).toBeDefined();
  });

  it('adds, lists and deletes tags by ARN', async () => {
    const arn = `${ARN}:model/mymodel`;
    await sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: 'b', Value: '2' }] }));
    await sagemaker.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ['a'] }));

    const tags = await sagemaker.send(new ListTagsCommand({ ResourceArn: arn }));

    expect(tags.Tags).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('injects ThrottlingException that the SDK recognises, repeatably from a seed', async () => {
    emulator.setFaults({ seed: 7, throttle: { rate: 1, operations: ['DescribeModel'] } });
    const throttled = await errorOf(sagemaker.send(new DescribeModelCommand({ ModelName: 'MyModel' })));
    const otherOperation = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'dup' }));

    emulator.setFaults({ failNth: [{ operation: 'DeleteModel', n: 1 }] });
    const failed = await errorOf(sagemaker.send(new DeleteModelCommand({ ModelName: 'MyModel' })));

    emulator.setFaults({ latency: { ms: 300, operations: ['DescribeModel'] } });
    const started = Date.now();
    await sagemaker.send(new DescribeModelCommand({ ModelName: 'MyModel' }));
    const delayedMs = Date.now() - started;

    const sample = async () => {
      emulator.setFaults({ seed: 42, throttle: { rate: 0.5 } });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 10; i++) {
        outcomes.push(
          await sagemaker.send(new DescribeModelCommand({ ModelName: 'MyModel' })).then(
            () => true,
            () => false,
          ),
        );
      }
      return outcomes;
    };
    const first = await sample();
    const second = await sample();
    emulator.setFaults({});

    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.$metadata?.httpStatusCode).toBe(400);
    expect(otherOperation.EndpointConfigName).toBe('dup');
    expect(failed.name).toBe('InternalFailure');
    expect(failed.$metadata?.httpStatusCode).toBe(500);
    expect(delayedMs).toBeGreaterThanOrEqual(300);
    expect(first).toEqual(second);
    expect(first).toContain(true);
    expect(first).toContain(false);
  });

  it('logs PutEvents entries and reports malformed ones per entry', async () => {
    const { events } = clients(emulator.url, 1);

    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'sagemaker-workflows',
            DetailType: 'Deployment Succeeded',
            Detail: '{"endpoint":"e"}',
            EventBusName: 'bus',
          },
          { Source: 'sagemaker-workflows', DetailType: 'Broken', Detail: 'not json' },
        ],
      }),
    );
    const logged = (await emulator.readEvents()).filter((e) => e.source === 'sagemaker-workflows');

    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[1]?.ErrorCode).toBe('MalformedDetail');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      'detail-type': 'Deployment Succeeded',
      detail: { endpoint: 'e' },
      eventBusName: 'bus',
      account: '123456789012',
      region: 'us-east-1',
    });
  });
});
