/**
 * The scripted SageMaker killed as SIGKILL kills the emulator (killAfter) and restarted on its state directory
 * through the emulator's own loading and resuming: the answer in flight is lost, what was on disk is there again,
 * transitions under way carry on, and the caller's SDK retries the reset request on the restarted double, or (one
 * attempt allowed) sees the reset connection.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedSageMaker } from '../../../local/emulator/scripted/scripted-sagemaker.ts';
import { errorOf } from './helpers.ts';

const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };

describe('the scripted SageMaker killed and restarted on its state directory', () => {
  let aws: ScriptedSageMaker;

  afterEach(() => {
    aws.restore();
  });

  /** A double on a fresh state directory with a model and a config, its endpoints provisioning for 60 s. */
  async function withConfig(): Promise<SageMakerClient> {
    aws = new ScriptedSageMaker({
      stateDir: mkdtempSync(join(tmpdir(), 'smwf-scripted-kill-')),
      script: { provisioningSeconds: 60 },
    });
    aws.install();
    const sagemaker = new SageMakerClient({ region: 'us-east-1', credentials });
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'm',
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1' },
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/r',
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'c',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'm', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );
    return sagemaker;
  }

  it("loses the answer of the call it dies after: the SDK's retry reaches the restarted double, which has the endpoint", async () => {
    const sagemaker = await withConfig();
    const dead = aws;
    dead.killAfter(
      (call) => call.operation === 'CreateEndpoint',
      (restarted) => {
        aws = restarted;
      },
    );

    const retried = await errorOf(
      sagemaker.send(new CreateEndpointCommand({ EndpointName: 'e', EndpointConfigName: 'c' })),
    );

    expect(dead.killed).toBe(true);
    expect(aws).not.toBe(dead);
    // The first attempt created the endpoint; its answer was lost, and the retry finds it (as SageMaker would).
    expect(retried.name).toBe('ValidationException');
    expect(retried.message).toMatch(/Cannot create already existing endpoint/);
    const creating = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'e' }));
    expect(creating.EndpointStatus).toBe('Creating');
    await aws.advance(60);
    const serving = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'e' }));
    expect(serving.EndpointStatus).toBe('InService');
    expect((await aws.readEvents()).map((e) => (e.detail as { EndpointStatus?: string }).EndpointStatus)).toEqual([
      'CREATING',
      'IN_SERVICE',
    ]);
  });

  it('resets the connection of a client that makes one attempt, and keeps what was written before', async () => {
    const sagemaker = await withConfig();
    const s3 = new S3Client({ region: 'us-east-1', credentials });
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'before', Body: 'kept' }));
    aws.killAfter(
      (call) => call.operation === 'CreateEndpoint',
      (restarted) => {
        aws = restarted;
      },
    );
    const once = new SageMakerClient({ region: 'us-east-1', credentials, maxAttempts: 1 });

    const reset = (await errorOf(
      once.send(new CreateEndpointCommand({ EndpointName: 'e', EndpointConfigName: 'c' })),
    )) as Error & { code?: string };

    expect(reset.message).toBe('socket hang up');
    expect(reset.code).toBe('ECONNRESET');
    const object = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'before' }));
    expect(await object.Body?.transformToString()).toBe('kept');
    expect((await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'e' }))).EndpointStatus).toBe('Creating');
  });

  it('refuses to arm a kill without a state directory to restart on', () => {
    aws = new ScriptedSageMaker();

    expect(() =>
      aws.killAfter(
        () => true,
        () => undefined,
      ),
    ).toThrow(/needs a double on a state directory/);
  });
});
