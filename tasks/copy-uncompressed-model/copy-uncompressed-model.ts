/**
 * The uncompressed format for large models: the source objects are copied server-side (no bytes pass through
 * the function) into a versioned prefix, returned as a ModelDataSource (S3Prefix, CompressionType None).
 */
import { createHash } from 'node:crypto';
import type { PackagedModel, PackageModelRequest } from '../../contracts/parts/packaging.ts';
import { canonicalJson } from '../_shared/names.ts';
import { completePackage, findPackage, type PlanDeps, planPackage } from '../_shared/package-plan.ts';

/** What CopyUncompressedModel needs from the outside. */
type CopyUncompressedModelDeps = PlanDeps;

/** Folder under the package's folder that holds the files (the manifest stays outside, so SageMaker skips it). */
const MODEL_FOLDER = 'model/';
/** Copies in flight at once. */
const COPY_CONCURRENCY = 8;

/** Copies the sources into `<package folder>/model/`, or returns the copy an earlier run made. */
export async function copyUncompressedModel(
  request: PackageModelRequest,
  deps: CopyUncompressedModelDeps,
): Promise<PackagedModel> {
  const plan = await planPackage(request, deps);
  const existing = await findPackage(plan, deps.store);
  if (existing) return existing;

  const target = `${plan.folder.key}${MODEL_FOLDER}`;
  const queue = [...plan.files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      await deps.store.copy(
        { ...file.source, size: file.size },
        { bucket: plan.folder.bucket, key: `${target}${file.path}` },
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, queue.length) }, worker));

  // No bytes were read, so the digest covers what identifies the files: their paths, sizes and ETags.
  const listing = plan.files.map((f) => ({ path: f.path, size: f.size, etag: f.etag }));
  return completePackage(
    plan,
    request,
    {
      format: 'uncompressed',
      modelDataSource: {
        s3Uri: `s3://${plan.folder.bucket}/${target}`,
        s3DataType: 'S3Prefix',
        compressionType: 'None',
      },
      sha256: createHash('sha256').update(canonicalJson(listing)).digest('hex'),
      sizeBytes: plan.files.reduce((total, f) => total + f.size, 0),
      fileCount: plan.fileCount,
    },
    deps.store,
  );
}
