/**
 * Builds `model.tar.gz` from the source objects as a stream: GetObject -> tar -> gzip on every vCPU ->
 * multipart upload, computing sha256 and size on the way. Memory stays flat whatever the model size: at most a
 * few upload parts, a few gzip blocks per worker and one read chunk are held at a time.
 */
import { createHash } from 'node:crypto';
import { ModelSourceChangedError } from '../../contracts/errors.ts';
import type { PackagedModel, PackageModelRequest } from '../../contracts/parts/packaging.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../../contracts/parts/packaging-values.ts';
import type { ArtifactStore } from '../_shared/artifact-store.ts';
import {
  completePackage,
  findPackage,
  type PackageFile,
  type PlanDeps,
  planPackage,
  s3Url,
} from '../_shared/package-plan.ts';
import type { ArchiveUpload } from './archive-upload.ts';
import { gzipInParallel } from './parallel-gzip.ts';
import { TAR_END, tarHeader, tarPadding } from './tar-entries.ts';

/** What PackageModel needs from the outside: the planning deps, the archive's upload, and its threads. */
interface PackageModelDeps extends PlanDeps {
  upload: ArchiveUpload;
  /** Threads gzip runs on: the function's vCPUs (`os.availableParallelism()`). */
  compressionWorkers: number;
}

const ARCHIVE_NAME = 'model.tar.gz';

/** The tar stream of the files, read one object at a time; fails if an object changed since it was listed. */
async function* tarStream(files: readonly PackageFile[], store: ArtifactStore): AsyncGenerator<Buffer | Uint8Array> {
  for (const file of files) {
    const isDirectory = file.path.endsWith('/');
    yield tarHeader({
      path: file.path,
      size: file.size,
      mtime: file.lastModified,
      type: isDirectory ? 'Directory' : 'File',
    });
    if (isDirectory) continue;
    let read = 0;
    for await (const chunk of await store.read(file.source, file.etag)) {
      read += chunk.byteLength;
      // A tar header promises a size; more bytes would corrupt every entry after this one.
      if (read > file.size) break;
      yield chunk;
    }
    if (read !== file.size) {
      throw new ModelSourceChangedError(
        `s3://${file.source.bucket}/${file.source.key} changed while it was packaged (listed with ${file.size} bytes, read ${read})`,
      );
    }
    yield tarPadding(file.size);
  }
  yield TAR_END;
}

/** Packages the sources as `model.tar.gz`, or returns the package an earlier run built from the same sources. */
export async function packageModel(request: PackageModelRequest, deps: PackageModelDeps): Promise<PackagedModel> {
  const plan = await planPackage(request, deps);
  const existing = await findPackage(plan, deps.store);
  if (existing) return existing;

  const archive = { bucket: plan.folder.bucket, key: `${plan.folder.key}${ARCHIVE_NAME}` };
  const digest = createHash('sha256');
  let sizeBytes = 0;
  const gzipped = gzipInParallel(tarStream(plan.files, deps.store), {
    level: request.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL,
    workers: deps.compressionWorkers,
  });
  async function* measured(): AsyncGenerator<Uint8Array> {
    for await (const chunk of gzipped) {
      digest.update(chunk);
      sizeBytes += chunk.byteLength;
      yield chunk;
    }
  }
  // A source that fails (a changed object) fails the upload with its own error, and the upload leaves nothing.
  await deps.upload(archive, measured(), 'application/gzip');

  return completePackage(
    plan,
    request,
    {
      format: 'tar.gz',
      modelDataUrl: s3Url(archive),
      sha256: digest.digest('hex'),
      sizeBytes,
      fileCount: plan.fileCount,
    },
    deps.store,
  );
}
