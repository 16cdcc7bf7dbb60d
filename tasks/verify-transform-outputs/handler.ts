import { S3Client } from '@aws-sdk/client-s3';
import { s3ArtifactStore } from '../_shared/artifact-store.ts';
import { stepHandler } from '../_shared/handler.ts';
import { VerifyTransformOutputsState, verifyTransformOutputs } from './verify-transform-outputs.ts';

const objects = s3ArtifactStore(new S3Client({}));

/** Lambda entry of BatchTransform's VerifyOutputs step. */
export const handler = stepHandler(VerifyTransformOutputsState, 'VerifyOutputs', (state) =>
  verifyTransformOutputs(state, { objects }),
);
