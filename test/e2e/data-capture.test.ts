/**
 * DeployEndpoint with data capture end to end: the emulator writes capture files in SageMaker's layout for the
 * health check's invocations, each with the InferenceId the health check sent.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthCheckReport } from '../../contracts/parts/endpoint.ts';
import { deploy, deployInput, describeEndpoint, type Harness, predict, startHarness } from './harness.ts';

const BUCKET = 'e2e-capture';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await h?.close();
});

/** Every capture record under `prefix`, with the key of its file. */
async function captureRecords(prefix: string) {
  const listed = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  const files = await Promise.all(
    (listed.Contents ?? []).map(async ({ Key }) => {
      const out = await h.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      const text = (await out.Body?.transformToString()) ?? '';
      return text
        .trim()
        .split('\n')
        .map((line) => ({ key: Key ?? '', record: JSON.parse(line) }));
    }),
  );
  return files.flat();
}

describe('DeployEndpoint with data capture on the local emulator', () => {
  it("captures the health check's invocations with their InferenceIds, inputs and outputs", async () => {
    const input = deployInput('e2e-capture', h.models['linear-v1'], {
      dataCapture: {
        initialSamplingPercentage: 100,
        destinationS3Uri: `s3://${BUCKET}/capture`,
        csvContentTypes: ['text/csv'],
        jsonContentTypes: ['application/json'],
      },
    });

    const result = await deploy(h, input);

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = (result.output as { healthCheck: HealthCheckReport }).healthCheck;
    const prefix = report.inferenceIdPrefix ?? '';
    expect(prefix).not.toBe('');
    const expectedOutput = await predict(h, 'e2e-capture');
    const captured = await captureRecords('capture/e2e-capture/AllTraffic/');
    const fromHealthCheck = captured.filter(({ record }) => record.eventMetadata.inferenceId?.startsWith(prefix));
    expect(fromHealthCheck.map(({ record }) => record.eventMetadata.inferenceId).sort()).toEqual(
      Array.from({ length: report.invocations }, (_, n) => `${prefix}${n}`).sort(),
    );
    for (const { key, record } of fromHealthCheck) {
      expect(key).toMatch(
        /^capture\/e2e-capture\/AllTraffic\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}-\d{2}-\d{3}-[0-9a-f-]{36}\.jsonl$/,
      );
      expect(record.eventVersion).toBe('0');
      expect(record.captureData.endpointInput).toEqual({
        observedContentType: 'text/csv',
        mode: 'INPUT',
        data: '1,2',
        encoding: 'CSV',
      });
      expect(record.captureData.endpointOutput).toMatchObject({
        observedContentType: 'application/json',
        mode: 'OUTPUT',
        encoding: 'JSON',
      });
      expect(record.captureData.endpointOutput.data.trim()).toBe(expectedOutput);
    }
    // The health check's invocations and the one above: nothing else was captured, nothing missed.
    expect(captured).toHaveLength(report.invocations + 1);
    expect((await describeEndpoint(h, 'e2e-capture'))?.DataCaptureConfig).toEqual({
      EnableCapture: true,
      CaptureStatus: 'Started',
      CurrentSamplingPercentage: 100,
      DestinationS3Uri: `s3://${BUCKET}/capture`,
    });
  });
});
