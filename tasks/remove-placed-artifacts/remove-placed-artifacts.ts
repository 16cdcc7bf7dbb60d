import { InvalidInputError } from '../../contracts/errors.ts';
import type { ObjectLocation } from '../_shared/artifact-store.ts';
import { splitS3Uri } from '../_shared/batch-run.ts';
import type { ObjectListing } from '../_shared/object-listing.ts';
import { PLACED_BY_METADATA } from '../_shared/placed-artifacts.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/**
 * The document RemovePlacedArtifacts reads (its payload, which the workflow builds): where the execution may have
 * placed models, the execution, and in a deploy workflow's rollback what the rollback did to the endpoint.
 */
export interface RemovePlacedArtifactsState {
  /** The endpoint's prefix (an s3:// URI ending in `/`) and the models the request names (each by its `name`). */
  placement: { prefix: string; models: readonly { name: string }[] };
  execution: { id: string };
  /**
   * The rollback's record (DeployMultiModelEndpoint): nothing is removed from an endpoint it kept for inspection
   * (`retain`) or left as it is because something else changed it since (`reason`), which may serve them.
   * @default - no rollback (AddModelToMultiModelEndpoint's failure path): what this execution placed is removed
   */
  rollback?: { action: string; reason?: string | undefined } | undefined;
}
export const RemovePlacedArtifactsState = stateSlice<RemovePlacedArtifactsState>({
  placement: { prefix: 'string', models: 'array' },
  execution: { id: 'string' },
  rollback: optional({ action: 'string', reason: optional('string') }),
});

/** What RemovePlacedArtifacts needs from the outside. */
export interface RemovePlacedArtifactsDeps {
  objects: ObjectListing;
  /** The object's user metadata (HeadObject), or undefined when it is gone. */
  metadataOf(location: ObjectLocation): Promise<Record<string, string> | undefined>;
  deleteObject(location: ObjectLocation): Promise<void>;
}

/**
 * Deletes the model artifacts this execution placed under a multi-model endpoint's prefix, and only those: the
 * objects at `<prefix><name>-...` of each model the request names whose metadata names this execution as the one
 * that placed them (PlaceModel's copy, tasks/_shared/placed-artifacts.ts). An object placed by another execution,
 * put there by hand, or written over since keeps metadata that does not name this one, and stays; PlaceModel reuses
 * a key that exists, so an artifact that was there before the run is never this run's. A retry or redrive finds
 * nothing left to delete and ends the same. Returns the s3:// URIs it deleted.
 */
export async function removePlacedArtifacts(
  state: RemovePlacedArtifactsState,
  deps: RemovePlacedArtifactsDeps,
): Promise<{ deleted: string[] }> {
  const { rollback, placement } = state;
  if (rollback !== undefined && (rollback.action === 'retain' || rollback.reason !== undefined)) {
    return { deleted: [] };
  }
  const { bucket, key: prefix } = splitS3Uri(placement.prefix);
  const names = placement.models.map((model, index) => {
    if (typeof model?.name !== 'string' || model.name === '') {
      throw new InvalidInputError(`placement.models[${index}].name: expected the model's name, a non-empty string`);
    }
    return model.name;
  });
  const deleted: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    // Listed by the model's name: a prefix may hold thousands of other models, which this run did not place.
    for (const object of await deps.objects.list(bucket, `${prefix}${name}-`)) {
      if (seen.has(object.key)) continue;
      seen.add(object.key);
      const location = { bucket, key: object.key };
      const metadata = await deps.metadataOf(location);
      if (metadata?.[PLACED_BY_METADATA] !== state.execution.id) continue;
      await deps.deleteObject(location);
      deleted.push(`s3://${bucket}/${object.key}`);
    }
  }
  return { deleted };
}
