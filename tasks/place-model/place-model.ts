import { InvalidInputError, ResourceConflictError } from '../../contracts/errors.ts';
import type { PlacedModel } from '../../contracts/parts/multi-model.ts';
import type { ArtifactStore } from '../_shared/artifact-store.ts';
import { splitS3Uri } from '../_shared/batch-run.ts';
import { specHash } from '../_shared/names.ts';
import { placedByMetadata } from '../_shared/placed-artifacts.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document PlaceModel reads: the model to place, and the endpoint's prefix. */
export interface PlaceModelState {
  request: { model: { name: string; artifact?: string | undefined } };
  multiModel: { prefix: string };
  /** The execution placing it, named in the copy's metadata (a rollback deletes only what its execution placed). */
  execution?: { id: string } | undefined;
  /** What the packaging steps produced, when the model was given as files to package. */
  packaging?: { packaged: { modelDataUrl?: string | undefined; sha256: string } } | undefined;
}
export const PlaceModelState = stateSlice<PlaceModelState>({
  request: { model: { name: 'string', artifact: optional('string') } },
  multiModel: { prefix: 'string' },
  execution: optional({ id: 'string' }),
  packaging: optional({ packaged: { modelDataUrl: optional('string'), sha256: 'string' } }),
});

/** What PlaceModel needs from the outside. */
interface PlaceModelDeps {
  objects: Pick<ArtifactStore, 'list' | 'copy'>;
}

const HASH_LENGTH = 10;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Places a model under a multi-model endpoint's prefix at `<prefix><name>-<content hash>.tar.gz`: its TargetModel
 * is `<name>-<content hash>.tar.gz`. A key is never overwritten: the same name with the same content is reused
 * (a retry, a redeploy), and the same name with other content is a ResourceConflictError, because an endpoint
 * keeps serving the bytes it loaded and callers could not tell which version answers them. A copy carries user
 * metadata naming the execution that placed it (tasks/_shared/placed-artifacts.ts), the evidence a rollback needs.
 */
export async function placeModel<S extends PlaceModelState>(
  state: S,
  deps: PlaceModelDeps,
): Promise<S & { placed: PlacedModel }> {
  const { name, artifact } = state.request.model;
  const packaged = state.packaging?.packaged;
  const source = packaged?.modelDataUrl ?? artifact;
  if (source === undefined) throw new InvalidInputError(`model.artifact: model ${name} has no artifact to place`);
  const from = splitS3Uri(source);
  const object = (await deps.objects.list(from.bucket, from.key)).find((o) => o.key === from.key);
  if (object === undefined) throw new InvalidInputError(`model.artifact: no object at ${source}`);
  // The package's own digest; for a copied artifact, the version of the source object (its ETag and size).
  const hash = packaged ? packaged.sha256.slice(0, HASH_LENGTH) : specHash({ etag: object.etag, size: object.size });
  const targetModel = `${name}-${hash}.tar.gz`;
  const to = splitS3Uri(`${state.multiModel.prefix}${targetModel}`);
  const s3Uri = `s3://${to.bucket}/${to.key}`;

  const prefixKey = to.key.slice(0, to.key.length - targetModel.length);
  const sameName = new RegExp(`^${escapeRegExp(name)}-[0-9a-f]{${HASH_LENGTH}}\\.tar\\.gz$`);
  const existing = (await deps.objects.list(to.bucket, `${prefixKey}${name}-`))
    .map((o) => o.key.slice(prefixKey.length))
    .filter((key) => sameName.test(key));
  if (existing.includes(targetModel)) return { ...state, placed: { name, targetModel, s3Uri, created: false } };
  if (existing.length > 0) {
    throw new ResourceConflictError(
      `Model ${name} is already under ${state.multiModel.prefix} as ${existing.join(', ')}, with other content than ` +
        `${source}; a multi-model endpoint keeps serving the bytes it loaded, so a model is never replaced in place. ` +
        'Add it under a new name (for example with a version suffix) and remove the old one',
    );
  }
  const metadata = state.execution !== undefined ? placedByMetadata(state.execution.id) : undefined;
  await deps.objects.copy({ ...from, size: object.size }, to, metadata);
  return { ...state, placed: { name, targetModel, s3Uri, created: true } };
}
