import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { x as extractTar } from 'tar';
import { s3BucketArn, s3ObjectArn } from '../iam/roles.ts';
import type { S3Store } from '../s3/store.ts';
import { parseS3Uri } from '../s3/uri.ts';

/** Where a container's model data comes from (ModelDataUrl or ModelDataSource.S3DataSource). */
export interface ModelDataSpec {
  s3Uri: string;
  /** `S3Object` (one file) or `S3Prefix` (every object under the prefix). */
  dataType: 'S3Object' | 'S3Prefix';
  /** `Gzip` = a .tar.gz to extract; `None` = copy as is. */
  compression: 'Gzip' | 'None';
  /** The model's execution role: SageMaker downloads the data as this role, which IAM must allow. */
  readAs?: string;
}

/** A model data problem, phrased like SageMaker's FailureReason. */
export class ModelDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelDataError';
  }
}

/** Downloads the model data from the emulator's S3 into `dir` (extracting a .tar.gz), like SageMaker's /opt/ml/model. */
export async function prepareModelDir(
  store: S3Store,
  data: ModelDataSpec | undefined,
  dir: string,
  containerName: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (!data) return;
  const notFound = () =>
    new ModelDataError(
      `Failed to download model data for container "${containerName}" from URL: "${data.s3Uri}". Please ensure that there is an object located at the URL and that the role passed to CreateModel has permissions to download the object.`,
    );
  const location = parseS3Uri(data.s3Uri);
  if (!location || !store.hasBucket(location.bucket)) throw notFound();
  // A role IAM refuses gets the message of a missing object: SageMaker's FailureReason names both causes.
  const readable = (key: string) =>
    store.roles.denial(data.readAs, { action: 's3:GetObject', resource: s3ObjectArn(location.bucket, key) }) ===
    undefined;
  if (data.dataType === 'S3Prefix') {
    if (store.roles.denial(data.readAs, { action: 's3:ListBucket', resource: s3BucketArn(location.bucket) })) {
      throw notFound();
    }
    const keys = store.keys(location.bucket).filter((k) => k.startsWith(location.key) && !k.endsWith('/'));
    if (keys.length === 0 || !keys.every(readable)) throw notFound();
    for (const key of keys) {
      const target = join(dir, key.slice(location.key.length).replace(/^\/+/, ''));
      if (!target.startsWith(dir)) continue;
      await mkdir(dirname(target), { recursive: true });
      await store.copyObjectToFile(location.bucket, key, target);
    }
    return;
  }
  try {
    store.head(location.bucket, location.key);
  } catch {
    throw notFound();
  }
  if (!readable(location.key)) throw notFound();
  if (data.compression === 'None') {
    const name = location.key.split('/').at(-1) || 'model';
    await store.copyObjectToFile(location.bucket, location.key, join(dir, name));
    return;
  }
  try {
    await pipeline(store.openObject(location.bucket, location.key), extractTar({ cwd: dir, strict: true }));
  } catch (err) {
    await writeFile(join(dir, '.smwf-extract-error'), String(err)).catch(() => undefined);
    throw new ModelDataError(
      `Failed to extract model data archive from URL "${data.s3Uri}". Please ensure that the object located at the URL is a valid tar.gz archive.`,
    );
  }
}
