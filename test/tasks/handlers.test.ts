/**
 * The Lambda handlers with the real SDK clients, whose `send` aws-sdk-client-mock replaces: what each
 * handler sends to SageMaker / SageMaker Runtime / EventBridge, and how SDK errors come out of it.
 */

import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AddTagsCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTagsCommand,
  ResourceNotFound,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandOutput,
  ModelError,
  SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../tasks/_shared/logger.ts';
import { resourceName } from '../../tasks/_shared/names.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import { handler as completeRollback } from '../../tasks/complete-rollback/handler.ts';
import { handler as createEndpointConfig } from '../../tasks/create-endpoint-config/handler.ts';
import { handler as createModel } from '../../tasks/create-model/handler.ts';
import { handler as finalizeDeployment } from '../../tasks/finalize-deployment/handler.ts';
import { handler as getEndpointStatus } from '../../tasks/get-endpoint-status/handler.ts';
import { handler as healthCheck } from '../../tasks/health-check/handler.ts';
import { handler as publishDeploymentEvent } from '../../tasks/publish-deployment-event/handler.ts';
import { handler as startDeployment } from '../../tasks/start-deployment/handler.ts';
import { handler as startRollback } from '../../tasks/start-rollback/handler.ts';
import { handler as verifyDeployment } from '../../tasks/verify-deployment/handler.ts';
import type { DeployEndpointInputDocument, DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import { handler as validateDeployInput } from '../../workflows/deploy-endpoint/validate-input.ts';
import {
  deploymentState,
  EXECUTION,
  EXECUTION_ROLE_ARN,
  endpointArn,
  endpointConfigArn,
  modelArn,
  validInput,
} from './fakes.ts';

const sagemaker = mockClient(SageMakerClient);
const runtime = mockClient(SageMakerRuntimeClient);
const eventBridge = mockClient(EventBridgeClient);
const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);

const OLD_CONFIG = 'churn-0000000001';
const NEW_CONFIG = 'churn-0000000002';
const NEW_MODEL = 'churn-000000000b';

/** An error as the SDK throws it for a service exception without its own class. */
const serviceError = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: 'client' });
const notFound = (what: string) => serviceError('ValidationException', `Could not find ${what}.`);
const throttled = () => serviceError('ThrottlingException', 'Rate exceeded');

/** The state document as Step Functions hands it to the Lambda: plain JSON. */
function event(input: DeployEndpointInputDocument = validInput(), rest: Partial<DeploymentState> = {}): unknown {
  return JSON.parse(JSON.stringify(deploymentState(input, rest)));
}

const afterConfig = (): Partial<DeploymentState> => ({
  model: { name: NEW_MODEL, arn: modelArn(NEW_MODEL), created: true },
  endpointConfig: { name: NEW_CONFIG, arn: endpointConfigArn(NEW_CONFIG), created: true },
});

const afterUpdate = (): Partial<DeploymentState> => ({
  ...afterConfig(),
  endpoint: { name: 'churn', arn: endpointArn('churn'), action: 'update', previousConfigName: OLD_CONFIG },
});

beforeAll(() => {
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  sagemaker.reset();
  runtime.reset();
  eventBridge.reset();
  dynamodb.reset();
  sfn.reset();
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('WAIT_TABLE_NAME', 'WaitRecords');
  vi.stubEnv('SAGEMAKER_EXECUTION_ROLE_ARN', EXECUTION_ROLE_ARN);
  vi.stubEnv('EVENT_BUS_NAME', 'sagemaker-workflows');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('ValidateDeployInput handler', () => {
  it('returns the state document with defaults applied', async () => {
    const out = await validateDeployInput({ input: validInput(), execution: EXECUTION });

    expect(out.request.retainVersions).toBe(2);
    expect(out.request.variants[0]?.name).toBe('AllTraffic');
    expect(out.execution).toEqual(EXECUTION);
  });

  it('rejects a malformed execution input with InvalidInputError naming the field', async () => {
    const result = validateDeployInput({
      input: validInput({ variants: [{ instanceType: 'ml.m5.huge' as never }] }),
      execution: EXECUTION,
    });

    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('variants[0].instanceType'),
    });
  });
});

describe('CreateModel handler', () => {
  it('creates the model with the execution role from the environment and ownership tags', async () => {
    sagemaker.on(DescribeModelCommand).rejects(notFound('model "churn-x"'));
    sagemaker.on(CreateModelCommand).resolves({ ModelArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/churn-new' });

    const out = await createModel(event(validInput({ tags: { team: 'ml' } })));

    const [call] = sagemaker.commandCalls(CreateModelCommand);
    expect(call?.args[0].input).toEqual({
      ModelName: out.model?.name,
      ExecutionRoleArn: EXECUTION_ROLE_ARN,
      PrimaryContainer: {
        Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0',
        ModelDataUrl: 's3://models-bucket/churn/1.4.0/model.tar.gz',
        Environment: { LOG_LEVEL: 'info' },
      },
      Tags: [
        { Key: 'team', Value: 'ml' },
        { Key: TagKeys.endpoint, Value: 'churn' },
        { Key: TagKeys.execution, Value: 'deploy-churn-1' },
      ],
    });
    expect(out.model).toEqual({
      name: expect.stringMatching(/^churn-[0-9a-f]{10}$/),
      arn: 'arn:aws:sagemaker:us-east-1:123456789012:model/churn-new',
      created: true,
    });
  });

  it('reuses the model SageMaker describes with the same spec, without CreateModel', async () => {
    sagemaker.on(DescribeModelCommand).callsFake((input: { ModelName: string }) => ({
      ModelName: input.ModelName,
      ModelArn: modelArn(input.ModelName),
      ExecutionRoleArn: EXECUTION_ROLE_ARN,
      PrimaryContainer: {
        Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0',
        ModelDataUrl: 's3://models-bucket/churn/1.4.0/model.tar.gz',
        Environment: { LOG_LEVEL: 'info' },
        Mode: 'SingleModel',
      },
      CreationTime: new Date(),
    }));

    const out = await createModel(event());

    expect(out.model?.created).toBe(false);
    expect(sagemaker.commandCalls(CreateModelCommand)).toHaveLength(0);
  });

  it('surfaces SDK throttling as SageMakerThrottledError, keeping the SDK error as cause', async () => {
    sagemaker.on(DescribeModelCommand).rejects(notFound('model'));
    const sdkError = throttled();
    sagemaker.on(CreateModelCommand).rejects(sdkError);

    const error = await createModel(event()).catch((e: Error) => e);

    expect(error).toMatchObject({
      name: 'SageMakerThrottledError',
      message: 'SageMaker throttled CreateModel: Rate exceeded',
    });
    expect((error as Error).cause).toBe(sdkError);
  });

  it('rethrows other SDK errors unchanged', async () => {
    const denied = serviceError('AccessDeniedException', 'not authorized to perform iam:PassRole');
    sagemaker.on(DescribeModelCommand).rejects(denied);

    await expect(createModel(event())).rejects.toBe(denied);
  });

  it('fails clearly when the execution role is not configured', async () => {
    vi.stubEnv('SAGEMAKER_EXECUTION_ROLE_ARN', '');

    await expect(createModel(event())).rejects.toThrow('Environment variable SAGEMAKER_EXECUTION_ROLE_ARN is not set');
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('rejects a malformed state document with InvalidInputError naming the field it reads', async () => {
    const state = event() as { request: { model: { modelDataUrl: unknown } } };
    state.request.model.modelDataUrl = ['s3://models/model.tar.gz'];

    const result = createModel(state);

    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'Invalid CreateModel input: request.model.modelDataUrl: expected a string, received array',
    });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('reads only its slice: a field it does not read is passed through untouched', async () => {
    sagemaker.on(DescribeModelCommand).rejects(notFound('model'));
    sagemaker.on(CreateModelCommand).resolves({ ModelArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/x' });
    const state = { ...(event() as Record<string, unknown>), laterStep: { anything: ['kept'] } };

    const result = (await createModel(state)) as unknown as Record<string, unknown>;

    expect(result.laterStep).toEqual({ anything: ['kept'] });
    expect(result.model).toMatchObject({ created: true });
  });

  it('rejects a state document without the execution facts', async () => {
    const { execution: _, ...state } = event() as Record<string, unknown>;

    await expect(createModel(state)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('execution: '),
    });
  });
});

describe('CreateEndpointConfig handler', () => {
  it('creates the config with the variants and ownership tags', async () => {
    sagemaker.on(DescribeEndpointConfigCommand).rejects(notFound('endpoint configuration'));
    sagemaker.on(CreateEndpointConfigCommand).resolves({ EndpointConfigArn: endpointConfigArn('churn-new') });

    const out = await createEndpointConfig(event(validInput(), { model: afterConfig().model }));

    expect(sagemaker.commandCalls(CreateEndpointConfigCommand)[0]?.args[0].input).toEqual({
      EndpointConfigName: out.endpointConfig?.name,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: NEW_MODEL,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
      Tags: [
        { Key: TagKeys.endpoint, Value: 'churn' },
        { Key: TagKeys.execution, Value: 'deploy-churn-1' },
      ],
    });
    expect(out.endpointConfig).toMatchObject({ arn: endpointConfigArn('churn-new'), created: true });
  });

  it('raises ResourceConflictError when the name exists with other variants', async () => {
    sagemaker.on(DescribeEndpointConfigCommand).callsFake((input: { EndpointConfigName: string }) => ({
      EndpointConfigName: input.EndpointConfigName,
      EndpointConfigArn: endpointConfigArn(input.EndpointConfigName),
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: NEW_MODEL, InstanceType: 'ml.g5.xlarge' }],
    }));

    const result = createEndpointConfig(event(validInput(), { model: afterConfig().model }));

    await expect(result).rejects.toMatchObject({ name: 'ResourceConflictError' });
    expect(sagemaker.commandCalls(CreateEndpointConfigCommand)).toHaveLength(0);
  });
});

describe('StartDeployment handler', () => {
  /** The payload of the waiting task: the state document and its token. */
  const waiting = (state: unknown) => ({ state, taskToken: 'token-1' });
  /** The wait records written, in order. */
  const records = () =>
    dynamodb.commandCalls(PutItemCommand).map((call) => JSON.parse(call.args[0].input.Item?.record?.S ?? '{}'));

  it('creates the endpoint when SageMaker cannot find it, its token stored before', async () => {
    sagemaker
      .on(DescribeEndpointCommand)
      .rejectsOnce(notFound(`endpoint "${endpointArn('churn')}"`))
      .resolves({
        EndpointName: 'churn',
        EndpointArn: endpointArn('churn'),
        EndpointStatus: 'Creating',
        EndpointConfigName: NEW_CONFIG,
      });
    sagemaker.on(CreateEndpointCommand).callsFake(() => {
      expect(records().map((r) => r.phase)).toEqual(['requested']);
      return { EndpointArn: endpointArn('churn') };
    });

    const out = await startDeployment(waiting(event(validInput(), afterConfig())));

    expect(records().map((r) => [r.phase, r.token, r.operation.action])).toEqual([
      ['requested', 'token-1', 'create'],
      ['started', 'token-1', 'create'],
    ]);
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'WaitRecords',
      Item: { key: { S: 'endpoint/churn' } },
    });
    // The endpoint does not exist yet as far as SageMaker says: the task waits for its event.
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(sagemaker.commandCalls(CreateEndpointCommand)[0]?.args[0].input).toEqual({
      EndpointName: 'churn',
      EndpointConfigName: NEW_CONFIG,
      Tags: [
        { Key: TagKeys.endpoint, Value: 'churn' },
        { Key: TagKeys.execution, Value: 'deploy-churn-1' },
      ],
    });
    expect(out.endpoint).toEqual({ name: 'churn', arn: endpointArn('churn'), action: 'create' });
    expect(out.wait).toMatchObject({ attempt: 0, seconds: 15 });
  });

  it('updates an InService endpoint with the guardrails as DeploymentConfig', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'InService',
      EndpointConfigName: OLD_CONFIG,
    });
    sagemaker.on(UpdateEndpointCommand).resolves({ EndpointArn: endpointArn('churn') });
    const input = validInput({ deployment: { autoRollbackAlarms: ['churn-5xx'] } });

    const out = await startDeployment(waiting(event(input, afterConfig())));

    expect(sagemaker.commandCalls(UpdateEndpointCommand)[0]?.args[0].input).toEqual({
      EndpointName: 'churn',
      EndpointConfigName: NEW_CONFIG,
      DeploymentConfig: { AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'churn-5xx' }] } },
    });
    expect(out.endpoint).toMatchObject({ action: 'update', previousConfigName: OLD_CONFIG });
  });

  it('picks up an update already in progress to the new config from PendingDeploymentSummary', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'Updating',
      EndpointConfigName: OLD_CONFIG,
      PendingDeploymentSummary: { EndpointConfigName: NEW_CONFIG, StartTime: new Date() },
    });

    const out = await startDeployment(waiting(event(validInput(), afterConfig())));

    expect(out.endpoint).toMatchObject({ action: 'update', previousConfigName: OLD_CONFIG });
    expect(sagemaker.commandCalls(UpdateEndpointCommand)).toHaveLength(0);
  });

  it('raises EndpointBusyError for an endpoint updating to another config', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'Updating',
      EndpointConfigName: OLD_CONFIG,
    });

    await expect(startDeployment(waiting(event(validInput(), afterConfig())))).rejects.toMatchObject({
      name: 'EndpointBusyError',
    });
  });

  it('surfaces throttled DescribeEndpoint as SageMakerThrottledError', async () => {
    sagemaker.on(DescribeEndpointCommand).rejects(throttled());

    await expect(startDeployment(waiting(event(validInput(), afterConfig())))).rejects.toMatchObject({
      name: 'SageMakerThrottledError',
      message: 'SageMaker throttled DescribeEndpoint: Rate exceeded',
    });
  });
});

describe('GetEndpointStatus handler', () => {
  const waiting = () => ({ ...afterUpdate(), wait: { attempt: 0, seconds: 15, deadline: '2999-01-01T00:00:00.000Z' } });

  it("reports 'Deleted' when SageMaker answers Could not find endpoint", async () => {
    sagemaker.on(DescribeEndpointCommand).rejects(notFound(`endpoint "${endpointArn('churn')}"`));

    const out = await getEndpointStatus(event(validInput(), waiting()));

    expect(out.endpointStatus).toEqual({ status: 'Deleted', settled: true });
  });

  it("reports 'Deleted' when SageMaker answers ResourceNotFound", async () => {
    sagemaker.on(DescribeEndpointCommand).rejects(new ResourceNotFound({ $metadata: {}, message: 'gone' }));

    const out = await getEndpointStatus(event(validInput(), waiting()));

    expect(out.endpointStatus?.status).toBe('Deleted');
  });

  it('rethrows a ValidationException that is not about a missing endpoint', async () => {
    const invalid = serviceError('ValidationException', "1 validation error detected: Value 'x' at 'endpointName'");
    sagemaker.on(DescribeEndpointCommand).rejects(invalid);

    await expect(getEndpointStatus(event(validInput(), waiting()))).rejects.toBe(invalid);
  });

  it('reports a busy endpoint with the next, doubled wait', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'Updating',
      EndpointConfigName: OLD_CONFIG,
    });

    const out = await getEndpointStatus(event(validInput(), waiting()));

    expect(out.endpointStatus).toEqual({ status: 'Updating', settled: false, configName: OLD_CONFIG });
    expect(out.wait).toMatchObject({ attempt: 1, seconds: 30 });
  });
});

describe('VerifyDeployment handler', () => {
  it('raises DeploymentRolledBackError carrying the FailureReason of a silent rollback', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'InService',
      EndpointConfigName: OLD_CONFIG,
      FailureReason: 'The primary container for production variant AllTraffic did not pass the ping health check.',
    });

    const result = verifyDeployment(event(validInput(), afterUpdate()));

    await expect(result).rejects.toMatchObject({
      name: 'DeploymentRolledBackError',
      message: expect.stringContaining('did not pass the ping health check'),
    });
  });

  it('returns the verified status when the endpoint serves the new config', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'InService',
      EndpointConfigName: NEW_CONFIG,
    });

    const out = await verifyDeployment(event(validInput(), afterUpdate()));

    expect(out.endpointStatus).toEqual({ status: 'InService', settled: true, configName: NEW_CONFIG });
  });
});

describe('HealthCheck handler', () => {
  const body = (text: string) => new TextEncoder().encode(text) as InvokeEndpointCommandOutput['Body'];

  it('invokes the endpoint with each sample and reports success', async () => {
    runtime.on(InvokeEndpointCommand).resolves({ Body: body('{"score":0.93}'), ContentType: 'application/json' });
    const input = validInput({
      healthCheck: {
        samples: [{ body: '1,2,3', contentType: 'text/csv', accept: 'application/json', targetVariant: 'AllTraffic' }],
        invocations: 2,
      },
    });

    const out = await healthCheck(event(input, afterUpdate()));

    const calls = runtime.commandCalls(InvokeEndpointCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      EndpointName: 'churn',
      ContentType: 'text/csv',
      Accept: 'application/json',
      TargetVariant: 'AllTraffic',
    });
    expect(new TextDecoder().decode(calls[0]?.Body as Uint8Array)).toBe('1,2,3');
    expect(out.healthCheck).toMatchObject({ invocations: 2, succeeded: 2, successRate: 1, failures: [] });
  });

  it('counts a ModelError with OriginalStatusCode 500 as a failed invocation', async () => {
    runtime.on(InvokeEndpointCommand).rejects(
      new ModelError({
        $metadata: { httpStatusCode: 424 },
        message: 'Received server error (500) from primary with message "boom"',
        OriginalStatusCode: 500,
        OriginalMessage: 'boom',
      }),
    );

    const result = healthCheck(event(validInput(), afterUpdate()));

    await expect(result).rejects.toMatchObject({
      name: 'HealthCheckFailedError',
      message: expect.stringContaining('sample 0: expected status 200, got 500 with body "boom"'),
    });
  });

  it("names the pipeline container SageMaker's ModelError names", async () => {
    runtime.on(InvokeEndpointCommand).rejects(
      new ModelError({
        $metadata: { httpStatusCode: 424 },
        message: 'Received client error (400) from model with message "expected 3 features". See ...',
        OriginalStatusCode: 400,
        OriginalMessage: 'expected 3 features',
      }),
    );

    const result = healthCheck(event(validInput(), afterUpdate()));

    await expect(result).rejects.toMatchObject({
      name: 'HealthCheckFailedError',
      message: expect.stringContaining('sample 0: expected status 200, got 400 from container model with body'),
    });
  });

  it('counts an invocation the runtime rejects as failed, naming the error', async () => {
    runtime
      .on(InvokeEndpointCommand)
      .rejects(serviceError('ValidationException', 'Endpoint churn of account 1 not found.'));

    const result = healthCheck(event(validInput(), afterUpdate()));

    await expect(result).rejects.toThrow(
      'sample 0: InvokeEndpoint failed with ValidationException: Endpoint churn of account 1 not found.',
    );
  });
});

describe('FinalizeDeployment handler', () => {
  const configOf = (n: number) => resourceName('churn', { config: n });
  const modelOf = (n: number) => resourceName('churn', { model: n });
  const owned = [{ Key: TagKeys.endpoint, Value: 'churn' }];

  function finalizedState(): unknown {
    return event(validInput({ retainVersions: 1 }), {
      model: { name: modelOf(2), arn: modelArn(modelOf(2)), created: true },
      endpointConfig: { name: configOf(2), arn: endpointConfigArn(configOf(2)), created: true },
      endpoint: { name: 'churn', arn: endpointArn('churn'), action: 'update', previousConfigName: configOf(1) },
    });
  }

  beforeEach(() => {
    sagemaker.on(AddTagsCommand).resolves({});
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'InService',
      EndpointConfigName: configOf(2),
    });
    sagemaker
      .on(ListEndpointConfigsCommand)
      .resolvesOnce({
        EndpointConfigs: [
          {
            EndpointConfigName: configOf(2),
            EndpointConfigArn: endpointConfigArn(configOf(2)),
            CreationTime: new Date(2),
          },
        ],
        NextToken: 'page-2',
      })
      .resolves({
        EndpointConfigs: [
          {
            EndpointConfigName: configOf(1),
            EndpointConfigArn: endpointConfigArn(configOf(1)),
            CreationTime: new Date(1),
          },
        ],
      });
    sagemaker.on(ListTagsCommand).resolves({ Tags: owned });
    sagemaker.on(DescribeEndpointConfigCommand, { EndpointConfigName: configOf(2) }).resolves({
      EndpointConfigName: configOf(2),
      EndpointConfigArn: endpointConfigArn(configOf(2)),
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: modelOf(2) }],
    });
    sagemaker.on(DescribeEndpointConfigCommand, { EndpointConfigName: configOf(1) }).resolves({
      EndpointConfigName: configOf(1),
      EndpointConfigArn: endpointConfigArn(configOf(1)),
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: modelOf(1) }],
    });
    sagemaker.on(ListModelsCommand).resolves({
      Models: [
        { ModelName: modelOf(2), ModelArn: modelArn(modelOf(2)), CreationTime: new Date(2) },
        { ModelName: modelOf(1), ModelArn: modelArn(modelOf(1)), CreationTime: new Date(1) },
      ],
    });
    sagemaker.on(DeleteEndpointConfigCommand).resolves({});
    sagemaker.on(DeleteModelCommand).resolves({});
  });

  it('tags the endpoint and deletes the older owned config and model across listing pages', async () => {
    const out = await finalizeDeployment(finalizedState());

    expect(sagemaker.commandCalls(AddTagsCommand)[0]?.args[0].input).toMatchObject({
      ResourceArn: endpointArn('churn'),
    });
    expect(sagemaker.commandCalls(ListEndpointConfigsCommand).map((c) => c.args[0].input)).toEqual([
      { NameContains: 'churn', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100 },
      { NameContains: 'churn', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100, NextToken: 'page-2' },
    ]);
    expect(sagemaker.commandCalls(DeleteEndpointConfigCommand).map((c) => c.args[0].input)).toEqual([
      { EndpointConfigName: configOf(1) },
    ]);
    expect(sagemaker.commandCalls(DeleteModelCommand).map((c) => c.args[0].input)).toEqual([{ ModelName: modelOf(1) }]);
    expect(out.finalized?.deleted).toEqual([`endpoint-config/${configOf(1)}`, `model/${modelOf(1)}`]);
  });

  it('turns a throttled deletion into a warning and keeps that config’s model', async () => {
    sagemaker.on(DeleteEndpointConfigCommand).rejects(throttled());

    const out = await finalizeDeployment(finalizedState());

    expect(out.finalized?.warnings).toEqual([
      `could not delete endpoint config ${configOf(1)}: SageMakerThrottledError: SageMaker throttled DeleteEndpointConfig: Rate exceeded`,
    ]);
    expect(sagemaker.commandCalls(DeleteModelCommand)).toHaveLength(0);
  });
});

describe('StartRollback handler', () => {
  it('updates the endpoint back to the previous config without DeploymentConfig', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'InService',
      EndpointConfigName: NEW_CONFIG,
    });
    sagemaker.on(UpdateEndpointCommand).resolves({ EndpointArn: endpointArn('churn') });

    const out = await startRollback({ state: event(validInput(), afterUpdate()), taskToken: 'token-1' });

    expect(sagemaker.commandCalls(UpdateEndpointCommand).map((c) => c.args[0].input)).toEqual([
      { EndpointName: 'churn', EndpointConfigName: OLD_CONFIG },
    ]);
    expect(out.rollback).toEqual({ action: 'restore', configName: OLD_CONFIG });
  });

  it('deletes an endpoint the deployment created', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'Failed',
      EndpointConfigName: NEW_CONFIG,
    });
    sagemaker.on(DeleteEndpointCommand).resolves({});
    const created = {
      ...afterConfig(),
      endpoint: { name: 'churn', arn: endpointArn('churn'), action: 'create' as const },
    };

    const out = await startRollback({ state: event(validInput(), created), taskToken: 'token-1' });

    expect(sagemaker.commandCalls(DeleteEndpointCommand).map((c) => c.args[0].input)).toEqual([
      { EndpointName: 'churn' },
    ]);
    expect(out.rollback).toEqual({ action: 'delete' });
  });
});

describe('CompleteRollback handler', () => {
  it('deletes the config and model this run created once the old config serves again', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'InService',
      EndpointConfigName: OLD_CONFIG,
    });
    sagemaker.on(DeleteEndpointConfigCommand).resolves({});
    sagemaker.on(DeleteModelCommand).resolves({});

    const out = await completeRollback(
      event(validInput(), { ...afterUpdate(), rollback: { action: 'restore', configName: OLD_CONFIG } }),
    );

    expect(sagemaker.commandCalls(DeleteEndpointConfigCommand).map((c) => c.args[0].input)).toEqual([
      { EndpointConfigName: NEW_CONFIG },
    ]);
    expect(sagemaker.commandCalls(DeleteModelCommand).map((c) => c.args[0].input)).toEqual([{ ModelName: NEW_MODEL }]);
    expect(out.rollback).toMatchObject({ completed: true });
  });

  it('raises RollbackFailedError when the endpoint is not back on the old config', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'churn',
      EndpointArn: endpointArn('churn'),
      EndpointStatus: 'Failed',
      EndpointConfigName: NEW_CONFIG,
      FailureReason: 'insufficient capacity',
    });

    const result = completeRollback(
      event(validInput(), { ...afterUpdate(), rollback: { action: 'restore', configName: OLD_CONFIG } }),
    );

    await expect(result).rejects.toMatchObject({
      name: 'RollbackFailedError',
      message: expect.stringContaining('(insufficient capacity)'),
    });
    expect(sagemaker.commandCalls(DeleteEndpointConfigCommand)).toHaveLength(0);
  });
});

describe('PublishDeploymentEvent handler', () => {
  const failedRun = () => ({
    ...afterUpdate(),
    error: {
      Error: 'HealthCheckFailedError',
      Cause: JSON.stringify({ errorType: 'HealthCheckFailedError', errorMessage: '0/1 invocations succeeded' }),
    },
    rollback: { action: 'restore' as const, configName: OLD_CONFIG, completed: true, deleted: [] },
  });

  it('puts the event on the bus named by the environment and records its id', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-123' }] });

    const out = await publishDeploymentEvent(event(validInput(), failedRun()));

    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'sagemaker-workflows',
      Source: 'sagemaker-workflows',
      DetailType: 'Deployment Rolled Back',
      Resources: [endpointArn('churn')],
    });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({
      endpointName: 'churn',
      error: { name: 'HealthCheckFailedError', message: '0/1 invocations succeeded' },
    });
    expect(out.event).toEqual({ detailType: 'Deployment Rolled Back', eventId: 'evt-123' });
  });

  it('raises EventNotPublishedError when EventBridge rejects the entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Please retry' }],
    });

    const result = publishDeploymentEvent(event(validInput(), failedRun()));

    await expect(result).rejects.toMatchObject({
      name: 'EventNotPublishedError',
      message: 'EventBridge rejected "Deployment Rolled Back": InternalFailure Please retry',
    });
  });

  it('fails clearly when the event bus is not configured', async () => {
    vi.stubEnv('EVENT_BUS_NAME', '');

    await expect(publishDeploymentEvent(event(validInput(), failedRun()))).rejects.toThrow(
      'Environment variable EVENT_BUS_NAME is not set',
    );
    expect(eventBridge.calls()).toHaveLength(0);
  });
});
