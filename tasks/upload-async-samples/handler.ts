import { S3Client } from '@aws-sdk/client-s3';
import { asyncObjects } from '../_shared/async-objects.ts';
import { stepHandler } from '../_shared/handler.ts';
import { UploadAsyncSamplesState, uploadAsyncSamples } from './upload-async-samples.ts';

const objects = asyncObjects(new S3Client({}));

/** Lambda entry of the UploadAsyncSamples step. */
export const handler = stepHandler(UploadAsyncSamplesState, 'UploadAsyncSamples', (state) =>
  uploadAsyncSamples(state, { objects }),
);
