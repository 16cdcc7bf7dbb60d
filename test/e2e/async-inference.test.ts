/**
 * DeployEndpoint with `async` end to end: the synthesized definition, the local runner, the real handlers, and the
 * emulator's asynchronous queue in front of real model processes.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { InvokeEndpointAsyncCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, deployInput, describeEndpoint, type Harness, resourcesOf, startHarness } from './harness.ts';

const SUCCESS_TOPIC = 'arn:aws:sns:us-east-1:123456789012:e2e-async-success';
const ERROR_TOPIC = 'arn:aws:sns:us-east-1:123456789012:e2e-async-errors';

let h: Harness;
let autoScaling: ApplicationAutoScalingClient;

beforeAll(async () => {
  h = await startHarness();
  autoScaling = new ApplicationAutoScalingClient({});
});

afterAll(async () => {
  await h?.close();
});

function asyncInput(endpointName: string, modelDataUrl: string) {
  return deployInput(endpointName, modelDataUrl, {
    async: {
      s3OutputPath: `s3://e2e-models/async/${endpointName}/output/`,
      s3FailurePath: `s3://e2e-models/async/${endpointName}/failures/`,
      successTopic: SUCCESS_TOPIC,
      errorTopic: ERROR_TOPIC,
      includeInferenceResponseIn: ['SUCCESS_NOTIFICATION_TOPIC'],
      maxConcurrentInvocationsPerInstance: 2,
      healthCheckTimeoutSeconds: 10,
    },
    dataCapture: {
      initialSamplingPercentage: 100,
      destinationS3Uri: `s3://e2e-models/async/${endpointName}/capture`,
      csvContentTypes: ['text/csv'],
      jsonContentTypes: ['application/json'],
    },
    // Scale to zero on the backlog, as SageMaker documents for asynchronous endpoints.
    autoScaling: {
      AllTraffic: {
        minCapacity: 0,
        maxCapacity: 2,
        targetTracking: { metric: 'ApproximateBacklogSizePerInstance', targetValue: 5, scaleInCooldownSeconds: 600 },
      },
    },
  });
}

/** The endpoint's AllTraffic scalable target and its policies, as Application Auto Scaling describes them. */
async function scalingOf(endpointName: string) {
  const ResourceId = `endpoint/${endpointName}/variant/AllTraffic`;
  const targets = await autoScaling.send(
    new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker', ResourceIds: [ResourceId] }),
  );
  const policies = await autoScaling.send(
    new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker', ResourceId }),
  );
  return {
    targets: (targets.ScalableTargets ?? []).map((t) => ({ min: t.MinCapacity, max: t.MaxCapacity })),
    policies: (policies.ScalingPolicies ?? []).map((p) => ({
      type: p.PolicyType,
      configuration: p.TargetTrackingScalingPolicyConfiguration,
    })),
  };
}

/** The SNS messages recorded for an endpoint's requests and configs, parsed, in order. */
async function messagesAbout(endpointName: string) {
  return (await h.emulator.readNotifications())
    .map((n) => ({ topic: n.TopicArn, ...JSON.parse(n.Message) }))
    .filter((m) => m.eventName === 'TestNotification' || m.requestParameters?.endpointName === endpointName);
}

/** The InferenceIds and captured data of every capture record of the endpoint, in no particular order. */
async function capturedRecords(endpointName: string) {
  const prefix = `async/${endpointName}/capture/${endpointName}/AllTraffic/`;
  const listed = await h.s3.send(new ListObjectsV2Command({ Bucket: 'e2e-models', Prefix: prefix }));
  const texts = await Promise.all((listed.Contents ?? []).map(({ Key }) => objectText('e2e-models', Key ?? '')));
  return texts
    .flatMap((text) => text.trim().split('\n'))
    .map((line) => JSON.parse(line))
    .map((r) => ({
      inferenceId: r.eventMetadata.inferenceId,
      input: r.captureData.endpointInput.data,
      output: r.captureData.endpointOutput.data,
    }));
}

async function objectText(bucket: string, key: string): Promise<string> {
  const out = await h.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

describe('DeployEndpoint with asynchronous inference on the local emulator', () => {
  it('deploys an async endpoint, health-checks it through S3 and reports queue latency', async () => {
    const result = await deploy(h, asyncInput('e2e-async', h.models['linear-v1']));

    expect(result.status).toBe('SUCCEEDED');
    const endpoint = await describeEndpoint(h, 'e2e-async');
    expect(endpoint?.EndpointStatus).toBe('InService');
    expect(endpoint?.AsyncInferenceConfig?.OutputConfig?.S3OutputPath).toBe('s3://e2e-models/async/e2e-async/output/');
    const report = (result.output as { healthCheck: Record<string, unknown> }).healthCheck;
    expect(report).toMatchObject({ invocations: 4, succeeded: 4, failures: [] });
    expect(report.asyncInference).toEqual({
      inputPrefix: expect.stringMatching(/^s3:\/\/e2e-models\/smwf-health-check\/e2e-async\/.+\/$/),
    });
    expect((report.latencyMs as { p50: number }).p50).toBeGreaterThan(0);
    // Data capture records every asynchronous invocation, with the health check's InferenceIds.
    const prefix = String(report.inferenceIdPrefix);
    expect(prefix).toMatch(/^health-check-[0-9a-f]{8}-$/);
    expect((await capturedRecords('e2e-async')).sort((a, b) => a.inferenceId.localeCompare(b.inferenceId))).toEqual(
      [0, 1, 2, 3].map((n) => ({ inferenceId: `${prefix}${n}`, input: '1,2', output: '{"predictions":[9]}' })),
    );
    expect(await scalingOf('e2e-async')).toEqual({
      targets: [{ min: 0, max: 2 }],
      policies: [
        {
          type: 'TargetTrackingScaling',
          configuration: {
            TargetValue: 5,
            CustomizedMetricSpecification: {
              MetricName: 'ApproximateBacklogSizePerInstance',
              Namespace: 'AWS/SageMaker',
              Dimensions: [{ Name: 'EndpointName', Value: 'e2e-async' }],
              Statistic: 'Average',
            },
            ScaleInCooldown: 600,
            DisableScaleIn: false,
          },
        },
      ],
    });

    const messages = await messagesAbout('e2e-async');
    expect(messages.filter((m) => m.eventName === 'TestNotification').map((m) => m.topic)).toEqual([
      SUCCESS_TOPIC,
      ERROR_TOPIC,
    ]);
    const results = messages.filter((m) => m.eventName === 'InferenceResult');
    expect(results).toHaveLength(4);
    for (const message of results) {
      expect(message).toMatchObject({
        topic: SUCCESS_TOPIC,
        invocationStatus: 'Completed',
        requestParameters: { endpointName: 'e2e-async', contentType: 'text/csv' },
        responseBody: { content: '{"predictions":[9]}', encoding: 'UTF-8' },
      });
      const key = String(message.responseParameters.outputLocation).replace('s3://e2e-models/', '');
      expect(key.startsWith('async/e2e-async/output/')).toBe(true);
      expect(await objectText('e2e-models', key)).toBe('{"predictions":[9]}');
    }
  });

  it('keeps the previous config when the new release fails its asynchronous health check', async () => {
    const before = (await describeEndpoint(h, 'e2e-async'))?.EndpointConfigName;
    const scalingBefore = await scalingOf('e2e-async');
    const messagesBefore = (await messagesAbout('e2e-async')).length;

    const result = await deploy(h, asyncInput('e2e-async', h.models['linear-v3-broken']));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HealthCheckFailedError');
    expect(result.cause).toContain('expected status 200, got 400 with body');
    expect(result.cause).toContain('expected 3 features, got 2');
    const after = await describeEndpoint(h, 'e2e-async');
    expect(after?.EndpointStatus).toBe('InService');
    expect(after?.EndpointConfigName).toBe(before);
    expect((await resourcesOf(h, 'e2e-async')).configs).toEqual([before]);
    expect(await scalingOf('e2e-async')).toEqual(scalingBefore);
    const failed = (await messagesAbout('e2e-async'))
      .slice(messagesBefore)
      .filter((m) => m.eventName === 'InferenceResult');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((m) => m.topic === ERROR_TOPIC && m.invocationStatus === 'Failed')).toBe(true);

    // The endpoint still answers asynchronous requests with the previous model.
    await h.s3.send(new PutObjectCommand({ Bucket: 'e2e-models', Key: 'async/probe.csv', Body: '1,2' }));
    const accepted = await h.runtime.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: 'e2e-async',
        InputLocation: 's3://e2e-models/async/probe.csv',
        ContentType: 'text/csv',
        Accept: 'application/json',
      }),
    );
    const key = String(accepted.OutputLocation).replace('s3://e2e-models/', '');
    const deadline = Date.now() + 10_000;
    let output: string | undefined;
    while (output === undefined && Date.now() < deadline) {
      output = await objectText('e2e-models', key).catch(() => undefined);
      if (output === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(output).toBe('{"predictions":[9]}');
  });

  it('deletes a first async endpoint whose health check fails', async () => {
    const result = await deploy(h, asyncInput('e2e-async-first', h.models['linear-v3-broken']));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('HealthCheckFailedError');
    expect(await describeEndpoint(h, 'e2e-async-first')).toBeUndefined();
  });
});
