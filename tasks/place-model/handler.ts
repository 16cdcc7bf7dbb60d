import { S3Client } from '@aws-sdk/client-s3';
import { s3ArtifactStore } from '../_shared/artifact-store.ts';
import { stepHandler } from '../_shared/handler.ts';
import { PlaceModelState, placeModel } from './place-model.ts';

const objects = s3ArtifactStore(new S3Client({}));

/** Lambda entry of the PlaceModel step. */
export const handler = stepHandler(PlaceModelState, 'PlaceModel', (state) => placeModel(state, { objects }));
