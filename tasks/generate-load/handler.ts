import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { WorkerResult } from '../../contracts/parts/load-test.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { workerResultKey } from '../_shared/load-test-state.ts';
import { GenerateLoadState, type LoadWorkerOutput, prepareWorker } from './load-worker.ts';

const s3 = new S3Client({});

/**
 * Writes a worker's result unless an earlier attempt of the same worker wrote its own, and returns the result that
 * stands. Step Functions retries a worker whose result it lost (a Lambda timeout on the client side) only after the
 * earlier attempt ran its whole slice: the retry finds the slice over and measures nothing, so the earlier attempt's
 * figures are the step's (a retry that overwrote them would fail the step for want of answers).
 */
async function writeOnce(bucket: string, key: string, result: WorkerResult): Promise<WorkerResult> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(result),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    return result;
  } catch (error) {
    const name = (error as Error).name;
    // S3's 412 (the object exists) and 409 (a write of it under way) to a conditional create.
    if (name !== 'PreconditionFailed' && name !== 'ConditionalRequestConflict') throw error;
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse((await out.Body?.transformToString()) ?? 'null') as WorkerResult;
  }
}

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
  const key = workerResultKey(state.resultsPrefix, {
    step: state.step.index,
    slice: state.slice.index,
    worker: state.worker.index,
  });
  const result = await writeOnce(bucket, key, await worker.run());
  return {
    resultUri: `s3://${bucket}/${key}`,
    requests: result.requests,
    succeeded: result.succeeded,
    lateStartMs: Math.round(result.lateStartMs),
  };
});
