import { InvalidInputError } from '../../contracts/errors.ts';
import type { ObjectLocation } from '../_shared/artifact-store.ts';
import { splitS3Uri } from '../_shared/batch-run.ts';
import type { ObjectListing } from '../_shared/object-listing.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document DeleteModelArtifact reads: the endpoint's prefix and the model to delete. */
export interface DeleteModelArtifactState {
  multiModel: { prefix: string };
  modelToDelete: { targetModel: string };
}
export const DeleteModelArtifactState = stateSlice<DeleteModelArtifactState>({
  multiModel: { prefix: 'string' },
  modelToDelete: { targetModel: 'string' },
});

/** What DeleteModelArtifact needs from the outside. */
interface DeleteModelArtifactDeps {
  objects: ObjectListing;
  deleteObject(location: ObjectLocation): Promise<void>;
}

/**
 * Deletes a model's object from a multi-model endpoint's prefix, so that the endpoint can no longer load it. The
 * TargetModel must name an object under the prefix: an absolute URI or a path that leaves the prefix (`..`) is
 * refused, since it would delete what the endpoint does not own.
 */
export async function deleteModelArtifact<S extends DeleteModelArtifactState>(
  state: S,
  deps: DeleteModelArtifactDeps,
): Promise<S & { deleted: { targetModel: string; s3Uri: string; existed: boolean } }> {
  const { targetModel } = state.modelToDelete;
  const segments = targetModel.split('/');
  if (
    /^[a-z0-9]+:\/\//i.test(targetModel) ||
    targetModel.startsWith('/') ||
    segments.some((s) => s === '..' || s === '.')
  ) {
    throw new InvalidInputError(
      `targetModel: ${JSON.stringify(targetModel.slice(0, 200))} is not a key under the endpoint's prefix ` +
        `${state.multiModel.prefix}; give the TargetModel relative to it, without "." or ".." segments`,
    );
  }
  const location = splitS3Uri(`${state.multiModel.prefix}${targetModel}`);
  const existed = (await deps.objects.list(location.bucket, location.key)).some((o) => o.key === location.key);
  if (existed) await deps.deleteObject(location);
  return { ...state, deleted: { targetModel, s3Uri: `s3://${location.bucket}/${location.key}`, existed } };
}
