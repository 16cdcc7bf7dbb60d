import { S3Client } from '@aws-sdk/client-s3';
import { asyncObjects } from '../_shared/async-objects.ts';
import { stepHandler } from '../_shared/handler.ts';
import { JudgeAsyncResultsState, judgeAsyncResults } from './judge-async-results.ts';

const objects = asyncObjects(new S3Client({}));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lambda entry of the JudgeAsyncResults step. */
export const handler = stepHandler(JudgeAsyncResultsState, 'JudgeAsyncResults', (state) =>
  judgeAsyncResults(state, { objects, now: Date.now, sleep }),
);
