/**
 * The SageMaker execution role in the emulator: the roles registered on its own route (as the local runner registers
 * its stack's) decide what SageMaker may read for a model; a role nobody registered is not checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES_PATH } from '../../../local/emulator/iam/roles.ts';
import {
  clients,
  deployModel,
  LINEAR_IMAGE,
  startTestEmulator,
  uploadLinearModel,
  waitForEndpoint,
} from './helpers.ts';

const READER = 'arn:aws:iam::123456789012:role/Reader';
const BLIND = 'arn:aws:iam::123456789012:role/Blind';
const UNREGISTERED = 'arn:aws:iam::123456789012:role/SageMakerExecution';

let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
let sagemaker: SageMakerClient;
let modelUri: string;

const register = (body: unknown) =>
  fetch(new URL(ROLES_PATH, emulator.url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  emulator = await startTestEmulator();
  ({ sagemaker } = clients(emulator.url));
  modelUri = await uploadLinearModel(clients(emulator.url).s3, 'models', 'a/model.tar.gz', [1, 0], 0);
  const registered = await register({
    roles: [
      { arn: READER, statements: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::models/a/*' }] },
      { arn: BLIND, statements: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' }] },
    ],
  });
  expect(await registered.json()).toEqual({ registered: 2 });
});

afterAll(async () => {
  await emulator?.stop();
});

const modelAs = (role: string) => ({
  ExecutionRoleArn: role,
  PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: modelUri },
});

describe('the execution role a model names', () => {
  it('serves the model when its role may read the artifact, and fails the endpoint when it may not', async () => {
    const served = await deployModel(sagemaker, 'readable', modelAs(READER));
    const refused = await deployModel(sagemaker, 'unreadable', modelAs(BLIND));

    expect(served.EndpointStatus).toBe('InService');
    expect(refused.EndpointStatus).toBe('Failed');
    expect(refused.FailureReason).toBe(
      `Failed to download model data for container "primary" from URL: "${modelUri}". Please ensure that there is an object located at the URL and that the role passed to CreateModel has permissions to download the object.`,
    );
    // The emulator's log says which permission was missing.
    expect(readFileSync(join(emulator.stateDir, 'emulator.log'), 'utf8')).toContain(
      'User: arn:aws:sts::123456789012:assumed-role/Blind/SageMaker is not authorized to perform: s3:GetObject on resource: \\"arn:aws:s3:::models/a/model.tar.gz\\" because no identity-based policy allows the s3:GetObject action',
    );
  });

  it('drops the capture records its role may not write, and still answers the invocation', async () => {
    const { runtime, s3 } = clients(emulator.url);
    await sagemaker.send(new CreateModelCommand({ ModelName: 'captured', ...modelAs(READER) }));
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'captured',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'captured', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
        DataCaptureConfig: {
          InitialSamplingPercentage: 100,
          DestinationS3Uri: 's3://models/capture',
          CaptureOptions: [{ CaptureMode: 'Input' }],
        },
      }),
    );
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'captured', EndpointConfigName: 'captured' }));
    expect((await waitForEndpoint(sagemaker, 'captured')).EndpointStatus).toBe('InService');

    const answer = await runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'captured', ContentType: 'application/json', Body: '[[1,2]]' }),
    );

    expect(answer.$metadata.httpStatusCode).toBe(200);
    const written = await s3.send(new ListObjectsV2Command({ Bucket: 'models', Prefix: 'capture/' }));
    expect(written.KeyCount).toBe(0);
    expect(readFileSync(join(emulator.stateDir, 'emulator.log'), 'utf8')).toContain(
      'User: arn:aws:sts::123456789012:assumed-role/Reader/SageMaker is not authorized to perform: s3:PutObject on resource: \\"arn:aws:s3:::models/capture/captured/AllTraffic/',
    );
  });

  it('is not checked when nobody registered it (any role ARN works, as in the AWS CLI recipes)', async () => {
    const endpoint = await deployModel(sagemaker, 'unregistered', modelAs(UNREGISTERED));

    expect(endpoint.EndpointStatus).toBe('InService');
  });
});

describe('registering roles', () => {
  it('refuses a role without an ARN or statements, naming the field', async () => {
    const response = await register({ roles: [{ arn: 'Reader', statements: [] }] });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ Message: 'roles[0].arn: expected an IAM role ARN' });
  });
});
