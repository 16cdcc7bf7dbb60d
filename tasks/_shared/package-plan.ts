/**
 * What a packaging run will produce, decided before anything is written: the source files and their paths in
 * the package, the layout check, and the package's location, which derives from the sources' ETags and the
 * options (same sources and options, same location: a second run finds the package and reuses it).
 */
import { ModelLayoutError } from '../../contracts/errors.ts';
import type { PackagedModel, PackageModelRequest } from '../../contracts/parts/packaging.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../../contracts/parts/packaging-values.ts';
import { parseS3Uri } from '../../contracts/s3-uri.ts';
import type { ArtifactStore, ObjectLocation } from './artifact-store.ts';
import { checkLayout, describeLayoutReport } from './model-layout.ts';
import { specHash } from './names.ts';

/** One source object and where it goes in the package. */
export interface PackageFile {
  source: ObjectLocation;
  /** Path inside the package; directories (S3 folder markers) end with `/`. */
  path: string;
  size: number;
  etag: string;
  lastModified: Date;
}

/** Everything a packaging task needs to build (or find) the package. */
interface PackagePlan {
  files: PackageFile[];
  /** Number of regular files (folder markers excluded). */
  fileCount: number;
  /** Hash of the sources' paths, sizes and ETags and of the options. */
  sourceHash: string;
  /** The package's folder: `<output>/<framework>-<sourceHash>/`. */
  folder: ObjectLocation;
  /** The manifest, written last; its presence marks a complete package. */
  manifest: ObjectLocation;
}

/** The manifest a finished package carries: the result, and what it was built from. */
interface PackageManifest {
  result: Omit<PackagedModel, 'reused'>;
  sourceHash: string;
  source: string;
  code?: string;
  framework: string;
}

/** Bumped whenever the bytes a package holds would change for the same sources and options. */
const PACKAGE_LAYOUT_VERSION = 2; // 2: gzip in parallel blocks (tasks/package-model/parallel-gzip.ts)
const MANIFEST_NAME = 'smwf-package.json';
/** Where packages go when the input names no output, under the stack's artifact bucket. */
export const DEFAULT_OUTPUT_FOLDER = 'packages/';

/** Splits `s3://bucket/prefix` into bucket and a prefix that is empty or ends with `/`. */
function parseS3Prefix(uri: string): { bucket: string; prefix: string } {
  const location = parseS3Uri(uri);
  if (location === undefined || location.bucket === '') throw new Error(`Not an S3 prefix: ${uri}`);
  const path = location.key;
  return { bucket: location.bucket, prefix: path === '' || path.endsWith('/') ? path : `${path}/` };
}

/** `s3://bucket/key`. */
export const s3Url = (location: ObjectLocation) => `s3://${location.bucket}/${location.key}`;

async function filesUnder(store: ArtifactStore, uri: string, pathPrefix: string): Promise<PackageFile[]> {
  const { bucket, prefix } = parseS3Prefix(uri);
  const objects = await store.list(bucket, prefix);
  return objects
    .filter((o) => o.key.length > prefix.length)
    .map((o) => ({
      source: { bucket, key: o.key },
      path: `${pathPrefix}${o.key.slice(prefix.length)}`,
      size: o.size,
      etag: o.etag,
      lastModified: o.lastModified,
    }));
}

/** What a planning step needs from the outside. */
export interface PlanDeps {
  store: ArtifactStore;
  /** `s3://bucket/prefix` used when the request names no output. */
  defaultOutput: string;
}

/**
 * Lists the sources, checks the framework layout (ModelLayoutError listing what is missing or misplaced) and
 * derives the package's location. Reads only; writes nothing.
 */
export async function planPackage(request: PackageModelRequest, deps: PlanDeps): Promise<PackagePlan> {
  const model = await filesUnder(deps.store, request.source, '');
  const code = request.code !== undefined ? await filesUnder(deps.store, request.code, 'code/') : [];
  const files = [...model, ...code];

  const seen = new Map<string, PackageFile>();
  const conflicts: string[] = [];
  for (const file of files) {
    const other = seen.get(file.path);
    if (other) conflicts.push(`${file.path} (from ${s3Url(other.source)} and ${s3Url(file.source)})`);
    seen.set(file.path, file);
  }
  const report = checkLayout(
    request.framework,
    files.map((f) => f.path),
    request.code !== undefined,
  );
  if (conflicts.length > 0) report.misplaced.push(`twice in the package: ${conflicts.join(', ')}`);
  if (report.missing.length > 0 || report.misplaced.length > 0) {
    throw new ModelLayoutError(
      `The ${request.framework} layout of ${request.source}${request.code ? ` (code ${request.code})` : ''} is not valid: ${describeLayoutReport(report)}`,
    );
  }

  const sourceHash = specHash({
    version: PACKAGE_LAYOUT_VERSION,
    framework: request.framework,
    format: request.format,
    compressionLevel: request.format === 'tar.gz' ? (request.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL) : undefined,
    files: files.map((f) => [f.path, f.size, f.etag]),
  });
  const output = parseS3Prefix(request.output ?? deps.defaultOutput);
  const folder = { bucket: output.bucket, key: `${output.prefix}${request.framework}-${sourceHash}/` };
  return {
    files,
    fileCount: files.filter((f) => !f.path.endsWith('/')).length,
    sourceHash,
    folder,
    manifest: { bucket: folder.bucket, key: `${folder.key}${MANIFEST_NAME}` },
  };
}

/** The package an earlier run finished at the plan's location, if any. */
export async function findPackage(plan: PackagePlan, store: ArtifactStore): Promise<PackagedModel | undefined> {
  const manifest = (await store.readJson(plan.manifest)) as PackageManifest | undefined;
  if (manifest?.sourceHash !== plan.sourceHash) return undefined;
  return { ...manifest.result, reused: true };
}

/** Writes the manifest that marks the package complete, and returns the result. */
export async function completePackage(
  plan: PackagePlan,
  request: PackageModelRequest,
  result: Omit<PackagedModel, 'reused' | 'manifestUrl'>,
  store: ArtifactStore,
): Promise<PackagedModel> {
  const complete = { ...result, manifestUrl: s3Url(plan.manifest) };
  const manifest: PackageManifest = {
    result: complete,
    sourceHash: plan.sourceHash,
    source: request.source,
    ...(request.code !== undefined ? { code: request.code } : {}),
    framework: request.framework,
  };
  await store.writeJson(plan.manifest, manifest);
  return { ...complete, reused: false };
}
