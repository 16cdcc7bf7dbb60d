/**
 * One SageMaker behaviour: the emulator, ScriptedSageMaker and FakeSageMaker answer the SageMakerGateway the same way
 * (return values, error names and messages, statuses over time). The last two are the emulator's own core in process,
 * so what this suite holds them to is the scripting and the SDK binding around it. Where AWS documents the behaviour,
 * AWS decided (see local/emulator/README.md, "The test doubles are the emulator's core").
 */
import { ListEndpointConfigsCommand, ListEndpointsCommand, ListModelsCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSpec, EndpointConfigSpec, ModelSpec, SageMakerGateway } from '../../tasks/_shared/sagemaker.ts';
import { LINEAR_IMAGE } from '../local/emulator/helpers.ts';
import { DOUBLES, type SageMakerDouble } from './doubles.ts';

const ROLE = 'arn:aws:iam::123456789012:role/SageMakerExecution';
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012';

/** The error a promise rejects with. */
async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { name, message } = error as Error;
    return { name, message };
  }
  throw new Error('expected the call to fail');
}

describe.each(DOUBLES)('SageMaker double: $name', (factory) => {
  let double: SageMakerDouble;
  let sagemaker: SageMakerGateway;

  beforeAll(async () => {
    double = await factory.start();
    sagemaker = double.gateway;
  });

  afterAll(async () => {
    await double?.stop();
  });

  /** How the suite's container behaves: exits before /ping, is slow to start, or slow to stop. */
  type ContainerOptions = { exits?: boolean; slowStart?: boolean; slowStop?: boolean };

  /** The example linear model's container. */
  function container(options: ContainerOptions = {}): ContainerSpec {
    return {
      Image: LINEAR_IMAGE,
      ModelDataUrl: double.modelDataUrl,
      Environment: {
        ...(options.exits ? { SMWF_EXAMPLE_FAULT: 'exit-on-start' } : {}),
        ...(options.slowStart ? { SMWF_EXAMPLE_STARTUP_DELAY_MS: '800' } : {}),
        ...(options.slowStop ? { SMWF_EXAMPLE_SHUTDOWN_DELAY_MS: '1500' } : {}),
      },
    };
  }

  function modelSpec(name: string, primary: ContainerSpec = container()): ModelSpec {
    return { ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: primary };
  }

  function configSpec(name: string, modelName: string): EndpointConfigSpec {
    return {
      EndpointConfigName: name,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: modelName,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
    };
  }

  /** A model and a config serving it, both named `name`; `exits` deploys a container that fails its health check. */
  async function deployable(name: string, options: ContainerOptions = {}): Promise<string> {
    await sagemaker.createModel(modelSpec(name, container(options)), {});
    await sagemaker.createEndpointConfig(configSpec(name, name), {});
    if (options.exits) double.failsOn(name);
    return name;
  }

  describe('models', () => {
    it('describes a created model with its lower-cased ARN, container and role', async () => {
      const uncompressed: ContainerSpec = {
        Image: LINEAR_IMAGE,
        ModelDataSource: {
          S3DataSource: { S3Uri: 's3://conformance/linear/', S3DataType: 'S3Prefix', CompressionType: 'None' },
        },
      };

      const arn = await sagemaker.createModel(modelSpec('Model-Describe'), { owner: 'conformance' });
      await sagemaker.createModel(modelSpec('model-describe-uncompressed', uncompressed), {});

      expect(arn).toBe(`${ARN}:model/model-describe`);
      expect(await sagemaker.describeModel('Model-Describe')).toEqual({
        ...modelSpec('Model-Describe'),
        ModelArn: `${ARN}:model/model-describe`,
      });
      expect(await sagemaker.describeModel('model-describe-uncompressed')).toEqual({
        ...modelSpec('model-describe-uncompressed', uncompressed),
        ModelArn: `${ARN}:model/model-describe-uncompressed`,
      });
    });

    it('answers a model that does not exist with undefined, and deleting it with false', async () => {
      expect(await sagemaker.describeModel('model-missing')).toBeUndefined();
      expect(await sagemaker.deleteModel('model-missing')).toBe(false);
    });

    it('deletes a model, after which it is not found', async () => {
      await sagemaker.createModel(modelSpec('model-delete'), {});

      expect(await sagemaker.deleteModel('model-delete')).toBe(true);

      expect(await sagemaker.describeModel('model-delete')).toBeUndefined();
      expect(await sagemaker.listModels('model-delete')).toEqual([]);
    });

    it('refuses a second model of the same name with a ValidationException naming its ARN', async () => {
      await sagemaker.createModel(modelSpec('Model-Twice'), {});

      const error = await errorOf(sagemaker.createModel(modelSpec('Model-Twice'), {}));

      expect(error).toEqual({
        name: 'ValidationException',
        message: `Cannot create already existing model "${ARN}:model/model-twice".`,
      });
    });

    it('lists models whose names contain the string in any case, newest first', async () => {
      for (const name of ['listmodels-a', 'ListModels-B', 'listmodels-c', 'other-listmodel'])
        await sagemaker.createModel(modelSpec(name), {});

      const listed = await sagemaker.listModels('LISTMODELS');

      expect(listed.map((m) => [m.name, m.arn])).toEqual([
        ['listmodels-c', `${ARN}:model/listmodels-c`],
        ['ListModels-B', `${ARN}:model/listmodels-b`],
        ['listmodels-a', `${ARN}:model/listmodels-a`],
      ]);
      const times = listed.map((m) => m.createdAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });
  });

  describe('endpoint configs', () => {
    it('describes a created endpoint config with its lower-cased ARN and variants', async () => {
      await sagemaker.createModel(modelSpec('config-describe-model'), {});

      const arn = await sagemaker.createEndpointConfig(configSpec('Config-Describe', 'config-describe-model'), {});

      expect(arn).toBe(`${ARN}:endpoint-config/config-describe`);
      expect(await sagemaker.describeEndpointConfig('Config-Describe')).toEqual({
        ...configSpec('Config-Describe', 'config-describe-model'),
        EndpointConfigArn: `${ARN}:endpoint-config/config-describe`,
      });
    });

    it('answers a config that does not exist with undefined, and deleting it with false', async () => {
      expect(await sagemaker.describeEndpointConfig('config-missing')).toBeUndefined();
      expect(await sagemaker.deleteEndpointConfig('config-missing')).toBe(false);
    });

    it('deletes a config, after which it is not found', async () => {
      await deployable('config-delete');

      expect(await sagemaker.deleteEndpointConfig('config-delete')).toBe(true);

      expect(await sagemaker.describeEndpointConfig('config-delete')).toBeUndefined();
      expect(await sagemaker.listEndpointConfigs('config-delete')).toEqual([]);
    });

    it('refuses a second config of the same name with a ValidationException naming its ARN', async () => {
      await deployable('Config-Twice');

      const error = await errorOf(sagemaker.createEndpointConfig(configSpec('Config-Twice', 'Config-Twice'), {}));

      expect(error).toEqual({
        name: 'ValidationException',
        message: `Cannot create already existing endpoint configuration "${ARN}:endpoint-config/config-twice".`,
      });
    });

    it('refuses a config whose model does not exist', async () => {
      const error = await errorOf(sagemaker.createEndpointConfig(configSpec('config-orphan', 'Model-Absent'), {}));

      expect(error).toEqual({
        name: 'ValidationException',
        message: `Could not find model "${ARN}:model/model-absent".`,
      });
      expect(await sagemaker.describeEndpointConfig('config-orphan')).toBeUndefined();
    });

    it('lists configs whose names contain the string in any case, newest first', async () => {
      await sagemaker.createModel(modelSpec('listconfigs-model'), {});
      for (const name of ['listconfigs-a', 'ListConfigs-B', 'other-listconfig'])
        await sagemaker.createEndpointConfig(configSpec(name, 'listconfigs-model'), {});

      const listed = await sagemaker.listEndpointConfigs('listConfigs');

      expect(listed.map((c) => [c.name, c.arn])).toEqual([
        ['ListConfigs-B', `${ARN}:endpoint-config/listconfigs-b`],
        ['listconfigs-a', `${ARN}:endpoint-config/listconfigs-a`],
      ]);
      expect(listed[0]?.createdAt.getTime()).toBeGreaterThan(listed[1]?.createdAt.getTime() ?? Infinity);
    });
  });

  describe('tags', () => {
    it('keeps the tags given at creation and merges added ones, a new value replacing the old', async () => {
      const modelArn = await sagemaker.createModel(modelSpec('tags-model'), { owner: 'a', stage: 'test' });
      const configArn = await sagemaker.createEndpointConfig(configSpec('tags-config', 'tags-model'), { owner: 'a' });

      await sagemaker.addTags(modelArn, { owner: 'b', extra: '1' });

      expect(await sagemaker.listTags(modelArn)).toEqual({ owner: 'b', stage: 'test', extra: '1' });
      expect(await sagemaker.listTags(configArn)).toEqual({ owner: 'a' });
    });

    it('answers tags of a resource that does not exist like the missing resource', async () => {
      const model = await errorOf(sagemaker.listTags(`${ARN}:model/tags-missing`));
      const config = await errorOf(sagemaker.addTags(`${ARN}:endpoint-config/tags-missing`, { owner: 'a' }));

      expect(model).toEqual({
        name: 'ValidationException',
        message: `Could not find model "${ARN}:model/tags-missing".`,
      });
      expect(config).toEqual({
        name: 'ValidationException',
        message: `Could not find endpoint configuration "${ARN}:endpoint-config/tags-missing".`,
      });
    });
  });

  describe('endpoints', () => {
    it('answers an endpoint that does not exist with undefined, deleting it with false and updating it with an error', async () => {
      await deployable('endpoint-missing-config');

      expect(await sagemaker.describeEndpoint('Endpoint-Missing')).toBeUndefined();
      expect(await sagemaker.deleteEndpoint('Endpoint-Missing')).toBe(false);
      expect(await errorOf(sagemaker.updateEndpoint('Endpoint-Missing', 'endpoint-missing-config', undefined))).toEqual(
        { name: 'ValidationException', message: `Could not find endpoint "${ARN}:endpoint/endpoint-missing".` },
      );
    });

    it('refuses an endpoint whose config does not exist', async () => {
      const error = await errorOf(sagemaker.createEndpoint('endpoint-orphan', 'Config-Absent', undefined, {}));

      expect(error).toEqual({
        name: 'ValidationException',
        message: `Could not find endpoint configuration "${ARN}:endpoint-config/config-absent".`,
      });
      expect(await sagemaker.describeEndpoint('endpoint-orphan')).toBeUndefined();
    });

    it('creates an endpoint Creating on its config, refusing a duplicate, an update and a delete meanwhile, then InService', async () => {
      const config = await deployable('endpoint-create', { slowStart: true });
      await deployable('endpoint-create-next');
      const arn = `${ARN}:endpoint/endpoint-create`;

      expect(await sagemaker.createEndpoint('Endpoint-Create', config, undefined, { owner: 'conformance' })).toBe(arn);

      expect(await sagemaker.describeEndpoint('Endpoint-Create')).toEqual({
        name: 'Endpoint-Create',
        arn,
        createdAt: expect.any(Date),
        status: 'Creating',
        configName: config,
      });
      const busy = { name: 'ValidationException', message: `Cannot update in-progress endpoint "${arn}".` };
      expect(await errorOf(sagemaker.createEndpoint('Endpoint-Create', config, undefined, {}))).toEqual({
        name: 'ValidationException',
        message: `Cannot create already existing endpoint "${arn}".`,
      });
      expect(await errorOf(sagemaker.updateEndpoint('Endpoint-Create', 'endpoint-create-next', undefined))).toEqual(
        busy,
      );
      expect(await errorOf(sagemaker.deleteEndpoint('Endpoint-Create'))).toEqual(busy);
      expect(await sagemaker.listTags(arn)).toEqual({ owner: 'conformance' });

      expect(await double.settle('Endpoint-Create')).toEqual({
        name: 'Endpoint-Create',
        arn,
        createdAt: expect.any(Date),
        status: 'InService',
        configName: config,
      });
    });

    it('updates blue/green: Updating on the old config with the new one pending, then InService on the new one', async () => {
      const first = await deployable('endpoint-update-1');
      const second = await deployable('endpoint-update-2', { slowStart: true });
      await deployable('endpoint-update-3');
      const arn = await sagemaker.createEndpoint('endpoint-update', first, undefined, {});
      await double.settle('endpoint-update');

      expect(await errorOf(sagemaker.updateEndpoint('endpoint-update', 'config-absent', undefined))).toEqual({
        name: 'ValidationException',
        message: `Could not find endpoint configuration "${ARN}:endpoint-config/config-absent".`,
      });
      expect(await sagemaker.updateEndpoint('endpoint-update', second, undefined)).toBe(arn);

      expect(await sagemaker.describeEndpoint('endpoint-update')).toEqual({
        name: 'endpoint-update',
        arn,
        createdAt: expect.any(Date),
        status: 'Updating',
        configName: first,
        pendingConfigName: second,
      });
      const busy = { name: 'ValidationException', message: `Cannot update in-progress endpoint "${arn}".` };
      expect(await errorOf(sagemaker.updateEndpoint('endpoint-update', 'endpoint-update-3', undefined))).toEqual(busy);
      expect(await errorOf(sagemaker.deleteEndpoint('endpoint-update'))).toEqual(busy);
      expect(await double.settle('endpoint-update')).toEqual({
        name: 'endpoint-update',
        arn,
        createdAt: expect.any(Date),
        status: 'InService',
        configName: second,
      });
    });

    it('rolls a failed update back silently, InService on the old config with a FailureReason the next update clears', async () => {
      const good = await deployable('endpoint-rollback-good');
      const broken = await deployable('endpoint-rollback-broken', { exits: true });
      const fixed = await deployable('endpoint-rollback-fixed', { slowStart: true });
      const arn = await sagemaker.createEndpoint('endpoint-rollback', good, undefined, {});
      await double.settle('endpoint-rollback');

      await sagemaker.updateEndpoint('endpoint-rollback', broken, undefined);

      expect(await double.settle('endpoint-rollback')).toEqual({
        name: 'endpoint-rollback',
        arn,
        createdAt: expect.any(Date),
        status: 'InService',
        configName: good,
        failureReason: expect.stringMatching(
          /^The primary container for production variant AllTraffic .*ping health check\. Please check CloudWatch logs for this endpoint\./,
        ),
      });
      await sagemaker.updateEndpoint('endpoint-rollback', fixed, undefined);
      expect(await sagemaker.describeEndpoint('endpoint-rollback')).toEqual({
        name: 'endpoint-rollback',
        arn,
        createdAt: expect.any(Date),
        status: 'Updating',
        configName: good,
        pendingConfigName: fixed,
      });
      expect(await double.settle('endpoint-rollback')).toEqual({
        name: 'endpoint-rollback',
        arn,
        createdAt: expect.any(Date),
        status: 'InService',
        configName: fixed,
      });
    });

    it('ends a create that fails its health check Failed with a FailureReason; it can be deleted but not updated', async () => {
      const broken = await deployable('endpoint-failed', { exits: true });
      const good = await deployable('endpoint-failed-good');
      const arn = await sagemaker.createEndpoint('endpoint-failed', broken, undefined, {});

      expect(await double.settle('endpoint-failed')).toEqual({
        name: 'endpoint-failed',
        arn,
        createdAt: expect.any(Date),
        status: 'Failed',
        configName: broken,
        failureReason: expect.stringMatching(
          /^The primary container for production variant AllTraffic .*ping health check\. Please check CloudWatch logs for this endpoint\./,
        ),
      });
      expect(await errorOf(sagemaker.updateEndpoint('endpoint-failed', good, undefined))).toEqual({
        name: 'ValidationException',
        message: `Cannot update failed endpoint "${arn}".`,
      });
      expect(await sagemaker.deleteEndpoint('endpoint-failed')).toBe(true);
      expect(await double.settle('endpoint-failed')).toBeUndefined();
    });

    it('deletes a config an endpoint still uses, then the endpoint, which is gone once settled', async () => {
      const config = await deployable('endpoint-delete', { slowStop: true });
      const arn = await sagemaker.createEndpoint('endpoint-delete', config, undefined, {});
      await double.settle('endpoint-delete');

      // SageMaker lets a config in use be deleted; the endpoint keeps serving and naming it.
      expect(await sagemaker.deleteEndpointConfig(config)).toBe(true);
      expect(await sagemaker.describeEndpoint('endpoint-delete')).toEqual({
        name: 'endpoint-delete',
        arn,
        createdAt: expect.any(Date),
        status: 'InService',
        configName: config,
      });
      expect(await sagemaker.deleteEndpoint('endpoint-delete')).toBe(true);

      // Deleting while the instances stop (DescribeEndpoint reference: "Deleting: Endpoint is being deleted").
      expect((await sagemaker.describeEndpoint('endpoint-delete'))?.status).toBe('Deleting');
      expect(await double.settle('endpoint-delete')).toBeUndefined();
      expect(await sagemaker.deleteEndpoint('endpoint-delete')).toBe(false);
      expect(await sagemaker.describeModel('endpoint-delete')).toBeDefined();
    });

    it('answers a throttled call with SageMakerThrottledError naming the operation', async () => {
      const error = await errorOf(
        double.throttlingDescribeEndpoint('endpoint-throttled', () => sagemaker.describeEndpoint('endpoint-throttled')),
      );

      expect(error).toEqual({
        name: 'SageMakerThrottledError',
        message: 'SageMaker throttled DescribeEndpoint: Rate exceeded',
      });
    });
  });
  describe('names', () => {
    it('keeps names unique regardless of case, finds a resource in any case and answers the name as created', async () => {
      await sagemaker.createModel(modelSpec('Case-Model'), {});
      await sagemaker.createEndpointConfig(configSpec('Case-Config', 'CASE-MODEL'), {});

      const twice = await errorOf(sagemaker.createModel(modelSpec('case-model'), {}));

      expect(twice).toEqual({
        name: 'ValidationException',
        message: `Cannot create already existing model "${ARN}:model/case-model".`,
      });
      expect((await sagemaker.describeModel('CASE-MODEL'))?.ModelName).toBe('Case-Model');
      expect((await sagemaker.describeEndpointConfig('case-config'))?.EndpointConfigName).toBe('Case-Config');
    });

    it('invokes an endpoint only by the case it was created with', async () => {
      const config = await deployable('invoke-case');
      await sagemaker.createEndpoint('Invoke-Case', config, undefined, {});
      await double.settle('Invoke-Case');

      const served = await double.invoke('Invoke-Case');
      const otherCase = await errorOf(double.invoke('invoke-case'));

      expect(served.InvokedProductionVariant).toBe('AllTraffic');
      expect(otherCase).toEqual({
        name: 'ValidationError',
        message: 'Endpoint invoke-case of account 123456789012 not found.',
      });
      expect(await sagemaker.describeEndpoint('invoke-case')).toMatchObject({
        name: 'Invoke-Case',
        status: 'InService',
      });
    });
  });

  describe('a model deleted behind its config', () => {
    it('keeps the config, refuses to deploy it with the missing model, and leaves an endpoint on it serving', async () => {
      const config = await deployable('orphaned');
      await sagemaker.createEndpoint('orphaned-serving', config, undefined, {});
      await double.settle('orphaned-serving');

      expect(await sagemaker.deleteModel('orphaned')).toBe(true);

      const missing = { name: 'ValidationException', message: `Could not find model "${ARN}:model/orphaned".` };
      expect(await sagemaker.describeEndpointConfig(config)).toMatchObject({ EndpointConfigName: config });
      expect(await errorOf(sagemaker.createEndpoint('orphaned-new', config, undefined, {}))).toEqual(missing);
      expect(await errorOf(sagemaker.updateEndpoint('orphaned-serving', config, undefined))).toEqual(missing);
      expect(await sagemaker.describeEndpoint('orphaned-new')).toBeUndefined();
      expect(await sagemaker.describeEndpoint('orphaned-serving')).toMatchObject({
        status: 'InService',
        configName: config,
      });
      expect((await double.invoke('orphaned-serving')).InvokedProductionVariant).toBe('AllTraffic');
    });
  });

  describe('creation time filters', () => {
    /** What a List operation answers for names containing "timefilter" with `filter`: names and creation times. */
    async function listed(kind: 'models' | 'configs' | 'endpoints', filter: Record<string, Date>) {
      const NameContains = 'timefilter';
      const items =
        kind === 'models'
          ? ((await double.client.send(new ListModelsCommand({ NameContains, ...filter }))).Models ?? []).map((m) => ({
              name: m.ModelName,
              created: m.CreationTime,
            }))
          : kind === 'configs'
            ? (
                (await double.client.send(new ListEndpointConfigsCommand({ NameContains, ...filter })))
                  .EndpointConfigs ?? []
              ).map((c) => ({ name: c.EndpointConfigName, created: c.CreationTime }))
            : ((await double.client.send(new ListEndpointsCommand({ NameContains, ...filter }))).Endpoints ?? []).map(
                (e) => ({
                  name: e.EndpointName,
                  created: e.CreationTime,
                }),
              );
      return items;
    }

    it('keeps what was created at CreationTimeAfter and drops what was created at CreationTimeBefore', async () => {
      await deployable('timefilter-a');
      await deployable('timefilter-b');
      await sagemaker.createEndpoint('timefilter-endpoint', 'timefilter-b', undefined, {});

      for (const [kind, name] of [
        ['models', 'timefilter-b'],
        ['configs', 'timefilter-b'],
        ['endpoints', 'timefilter-endpoint'],
      ] as const) {
        const time = (await listed(kind, {})).find((item) => item.name === name)?.created as Date;
        const after = await listed(kind, { CreationTimeAfter: time });
        const before = await listed(kind, { CreationTimeBefore: time });

        // ListModels, ListEndpointConfigs, ListEndpoints: "a creation time greater than or equal to"; "created before".
        expect(after.map((item) => item.name)).toContain(name);
        expect(after.every((item) => (item.created?.getTime() ?? 0) >= time.getTime())).toBe(true);
        expect(before.map((item) => item.name)).not.toContain(name);
        expect(before.every((item) => (item.created?.getTime() ?? 0) < time.getTime())).toBe(true);
      }
    });
  });
});
