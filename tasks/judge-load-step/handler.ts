import { S3Client } from '@aws-sdk/client-s3';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { jsonObjects } from '../_shared/json-objects.ts';
import { JudgeLoadStepState, judgeLoadStep } from './judge-load-step.ts';

const s3 = new S3Client({});

/** Lambda entry of the JudgeLoadStep step. */
export const handler = stepHandler(JudgeLoadStepState, 'JudgeLoadStep', (state) => {
  const objects = jsonObjects(s3, requiredEnv('ARTIFACT_BUCKET_NAME'));
  return judgeLoadStep(state, {
    readJson: (key) => objects.read(key),
    writeJson: (key, value) => objects.write(key, value),
    now: () => Date.now(),
  });
});
