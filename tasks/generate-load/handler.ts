import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { workerResultKey } from '../_shared/load-test-state.ts';
import { GenerateLoadState, type LoadWorkerOutput, prepareWorker } from './load-worker.ts';

const s3 = new S3Client({});

/**
 * Lambda entry of the GenerateLoad step: one load-generator worker of one slice of a step. It loads its samples,
 * runs its users until the slice ends, writes what it measured to the artifact bucket (a step's workers together
 * would not fit a state's 256 KiB) and returns where, with its totals.
 */
export const handler = stepHandler(GenerateLoadState, 'GenerateLoad', async (state): Promise<LoadWorkerOutput> => {
  const bucket = requiredEnv('ARTIFACT_BUCKET_NAME');
  const worker = await prepareWorker(state, {
    async readObject(location) {
      const out = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    },
  });
  const result = await worker.run();
  const key = workerResultKey(state.resultsPrefix, result);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(result), ContentType: 'application/json' }),
  );
  return {
    resultUri: `s3://${bucket}/${key}`,
    requests: result.requests,
    succeeded: result.succeeded,
    lateStartMs: Math.round(result.lateStartMs),
  };
});
