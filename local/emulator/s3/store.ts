import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { ServiceError } from '../errors.ts';
import { readJson, remove, writeJsonAtomic } from '../fs-util.ts';
import { ExecutionRoles } from '../iam/roles.ts';
import { KeyedLock, type Precondition } from './conditional-writes.ts';

/** What S3 keeps about one object besides its bytes. */
export interface ObjectMeta {
  key: string;
  size: number;
  etag: string;
  lastModified: number;
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  cacheControl?: string;
  metadata: Record<string, string>;
  checksums?: Record<string, string>;
  /** Parts count for multipart objects. */
  parts?: number;
}

interface BucketState {
  name: string;
  creationDate: number;
  region: string;
  objects: Map<string, ObjectMeta>;
}

/** One in-progress multipart upload. */
interface UploadState {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  meta: Omit<ObjectMeta, 'key' | 'size' | 'etag' | 'lastModified'>;
}

/** Per-part record of a multipart upload. */
interface PartMeta {
  partNumber: number;
  size: number;
  etag: string;
  md5: string;
  checksums?: Record<string, string>;
}

/** Bytes written to a temp file with their digests. */
interface WrittenBody {
  tmp: string;
  size: number;
  md5: string;
  crc32: string;
  sha1?: string;
  sha256?: string;
}

/**
 * The checksums a client sends with a body: the algorithms it announced before the body (checksum headers,
 * `x-amz-trailer`, the SDK's algorithm header), and their values once the body has ended (trailers).
 */
export interface SentChecksums {
  announced: ReadonlySet<string>;
  values(): Record<string, string>;
}

function keyFile(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

const CHECKSUM_HEADERS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];

/** Buckets and objects as files under `<stateDir>/s3`; objects are named by the SHA-256 of their key. */
export class S3Store {
  private readonly buckets = new Map<string, BucketState>();
  /** Commits and deletes of one key run one at a time, so a write's precondition holds at its commit. */
  private readonly keyLock = new KeyedLock();

  constructor(
    private readonly root: string,
    /** The IAM roles SageMaker reads and writes objects as (model data, async inference, data capture). */
    readonly roles: ExecutionRoles = new ExecutionRoles(),
  ) {}

  /** Loads every bucket and object index from disk. */
  async load(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const info = await readJson<{ name: string; creationDate: number; region: string }>(
        join(this.root, entry.name, 'bucket.json'),
      );
      if (!info) continue;
      const bucket: BucketState = { ...info, objects: new Map() };
      const objectsDir = join(this.root, entry.name, 'objects');
      await mkdir(objectsDir, { recursive: true });
      for (const file of await readdir(objectsDir)) {
        if (!file.endsWith('.json')) continue;
        const meta = await readJson<ObjectMeta>(join(objectsDir, file));
        if (meta) bucket.objects.set(meta.key, meta);
      }
      this.buckets.set(info.name, bucket);
    }
  }

  listBuckets(): { name: string; creationDate: number; region: string }[] {
    return [...this.buckets.values()]
      .map(({ name, creationDate, region }) => ({ name, creationDate, region }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  bucketRegion(name: string): string {
    return this.bucket(name).region;
  }

  /** Creates a bucket; returns false when it already exists. */
  async createBucket(name: string, region: string): Promise<boolean> {
    if (this.buckets.has(name)) return false;
    const info = { name, creationDate: Date.now(), region };
    await mkdir(join(this.root, name, 'objects'), { recursive: true });
    await writeJsonAtomic(join(this.root, name, 'bucket.json'), info);
    this.buckets.set(name, { ...info, objects: new Map() });
    return true;
  }

  async deleteBucket(name: string): Promise<void> {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0) {
      throw new ServiceError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
        BucketName: name,
      });
    }
    this.buckets.delete(name);
    await remove(join(this.root, name));
  }

  /** Throws S3's NoSuchBucket unless the bucket exists. */
  bucket(name: string): BucketState {
    const bucket = this.buckets.get(name);
    if (!bucket) {
      throw new ServiceError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: name });
    }
    return bucket;
  }

  /** Object metadata or S3's NoSuchKey. */
  head(bucketName: string, key: string): ObjectMeta {
    const meta = this.bucket(bucketName).objects.get(key);
    if (!meta) throw new ServiceError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
    return meta;
  }

  /** The key's object now, or undefined (no error): what a conditional write is checked against. */
  current(bucketName: string, key: string): ObjectMeta | undefined {
    return this.bucket(bucketName).objects.get(key);
  }

  /** Path of the file holding an object's bytes. */
  dataPath(bucketName: string, key: string): string {
    return join(this.root, bucketName, 'objects', `${keyFile(key)}.bin`);
  }

  /** Sorted keys of a bucket. */
  keys(bucketName: string): string[] {
    return [...this.bucket(bucketName).objects.keys()].sort();
  }

  /**
   * Streams a body to a temp file in the bucket, computing MD5 (the ETag), CRC32, and SHA-1/SHA-256 only when
   * the client announced them: hashing every byte three more times would make large uploads CPU-bound.
   */
  private async writeBody(
    bucketName: string,
    body: NodeJS.ReadableStream,
    announced: ReadonlySet<string> = new Set(),
  ): Promise<WrittenBody> {
    const dir = join(this.root, bucketName, 'tmp');
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, randomUUID());
    const md5 = createHash('md5');
    const sha1 = announced.has('sha1') ? createHash('sha1') : undefined;
    const sha256 = announced.has('sha256') ? createHash('sha256') : undefined;
    let crc = 0;
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        md5.update(chunk);
        sha1?.update(chunk);
        sha256?.update(chunk);
        crc = crc32(chunk, crc);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(body, tap, createWriteStream(tmp));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    const crcBuf = Buffer.alloc(4);
    crcBuf.writeUInt32BE(crc >>> 0);
    return {
      tmp,
      size,
      md5: md5.digest('hex'),
      crc32: crcBuf.toString('base64'),
      ...(sha1 ? { sha1: sha1.digest('base64') } : {}),
      ...(sha256 ? { sha256: sha256.digest('base64') } : {}),
    };
  }

  /** Compares client-sent checksums (headers or trailers) with the bytes received; S3 answers BadDigest on mismatch. */
  private verify(
    written: WrittenBody,
    sent: Record<string, string>,
    contentMd5: string | undefined,
    expectedSize: number | undefined,
  ): Record<string, string> {
    if (expectedSize !== undefined && written.size !== expectedSize) {
      throw new ServiceError(
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header.',
        400,
      );
    }
    if (contentMd5 !== undefined && Buffer.from(written.md5, 'hex').toString('base64') !== contentMd5) {
      throw new ServiceError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
    }
    const computed: Record<string, string | undefined> = {
      crc32: written.crc32,
      sha1: written.sha1,
      sha256: written.sha256,
    };
    const kept: Record<string, string> = {};
    for (const algorithm of CHECKSUM_HEADERS) {
      const value = sent[`x-amz-checksum-${algorithm}`];
      if (value === undefined) continue;
      const expected = computed[algorithm];
      if (expected !== undefined && expected !== value) {
        throw new ServiceError(
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
          400,
        );
      }
      kept[algorithm] = value;
    }
    return kept;
  }

  /** Stores an object from a stream, atomically replacing any previous version. */
  async putObject(
    bucketName: string,
    key: string,
    body: NodeJS.ReadableStream,
    meta: Omit<ObjectMeta, 'key' | 'size' | 'etag' | 'lastModified'>,
    sent: SentChecksums,
    contentMd5?: string,
    expectedSize?: number,
    precondition?: Precondition,
  ): Promise<ObjectMeta> {
    this.bucket(bucketName);
    const written = await this.writeBody(bucketName, body, sent.announced);
    let checksums: Record<string, string>;
    try {
      checksums = this.verify(written, sent.values(), contentMd5, expectedSize);
    } catch (err) {
      await unlink(written.tmp).catch(() => undefined);
      throw err;
    }
    const full: ObjectMeta = {
      ...meta,
      key,
      size: written.size,
      etag: `"${written.md5}"`,
      lastModified: Date.now(),
      ...(Object.keys(checksums).length > 0 ? { checksums } : {}),
    };
    return this.commit(bucketName, written.tmp, full, precondition);
  }

  /** Makes `tmp` the key's object, once `precondition` (if any) holds for the key's object at that moment. */
  private commit(bucketName: string, tmp: string, meta: ObjectMeta, precondition?: Precondition): Promise<ObjectMeta> {
    return this.keyLock.run(`${bucketName}/${meta.key}`, async () => {
      const bucket = this.bucket(bucketName);
      try {
        precondition?.(bucket.objects.get(meta.key));
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      await rename(tmp, this.dataPath(bucketName, meta.key));
      await writeJsonAtomic(join(this.root, bucketName, 'objects', `${keyFile(meta.key)}.json`), meta);
      bucket.objects.set(meta.key, meta);
      return meta;
    });
  }

  deleteObject(bucketName: string, key: string): Promise<void> {
    return this.keyLock.run(`${bucketName}/${key}`, async () => {
      const bucket = this.bucket(bucketName);
      if (!bucket.objects.delete(key)) return;
      const base = join(this.root, bucketName, 'objects', keyFile(key));
      await remove(`${base}.json`);
      await remove(`${base}.bin`);
    });
  }

  /** Copies an object (server side), optionally replacing its metadata. */
  async copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    replaceMeta: Omit<ObjectMeta, 'key' | 'size' | 'etag' | 'lastModified'> | undefined,
  ): Promise<ObjectMeta> {
    const sourceMeta = this.head(source.bucket, source.key);
    this.bucket(target.bucket);
    const written = await this.writeBody(
      target.bucket,
      createReadStream(this.dataPath(source.bucket, source.key)),
      new Set(Object.keys(sourceMeta.checksums ?? {})),
    );
    const { key: _k, size: _s, etag: _e, lastModified: _l, parts: _p, ...kept } = sourceMeta;
    const meta: ObjectMeta = {
      ...(replaceMeta ?? kept),
      key: target.key,
      size: written.size,
      etag: `"${written.md5}"`,
      lastModified: Date.now(),
    };
    return this.commit(target.bucket, written.tmp, meta);
  }

  private uploadDir(bucketName: string, uploadId: string): string {
    if (!/^[a-zA-Z0-9-]+$/.test(uploadId)) {
      throw new ServiceError(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404,
        { UploadId: uploadId },
      );
    }
    return join(this.root, bucketName, 'uploads', uploadId);
  }

  async createUpload(bucketName: string, key: string, meta: UploadState['meta']): Promise<UploadState> {
    this.bucket(bucketName);
    const upload: UploadState = { uploadId: randomUUID(), bucket: bucketName, key, initiated: Date.now(), meta };
    await writeJsonAtomic(join(this.uploadDir(bucketName, upload.uploadId), 'upload.json'), upload);
    return upload;
  }

  /** The upload, or S3's NoSuchUpload. */
  async upload(bucketName: string, key: string, uploadId: string): Promise<UploadState> {
    this.bucket(bucketName);
    const upload = await readJson<UploadState>(join(this.uploadDir(bucketName, uploadId), 'upload.json'));
    if (!upload || upload.key !== key) {
      throw new ServiceError(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404,
        { UploadId: uploadId },
      );
    }
    return upload;
  }

  async uploadPart(
    bucketName: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: NodeJS.ReadableStream,
    sent: SentChecksums,
    contentMd5?: string,
    expectedSize?: number,
  ): Promise<PartMeta> {
    await this.upload(bucketName, key, uploadId);
    const written = await this.writeBody(bucketName, body, sent.announced);
    let checksums: Record<string, string>;
    try {
      checksums = this.verify(written, sent.values(), contentMd5, expectedSize);
    } catch (err) {
      await unlink(written.tmp).catch(() => undefined);
      throw err;
    }
    const dir = this.uploadDir(bucketName, uploadId);
    const part: PartMeta = {
      partNumber,
      size: written.size,
      md5: written.md5,
      etag: `"${written.md5}"`,
      ...(Object.keys(checksums).length > 0 ? { checksums } : {}),
    };
    await rename(written.tmp, join(dir, `part-${partNumber}.bin`));
    await writeJsonAtomic(join(dir, `part-${partNumber}.json`), part);
    return part;
  }

  async listParts(bucketName: string, key: string, uploadId: string): Promise<PartMeta[]> {
    await this.upload(bucketName, key, uploadId);
    const dir = this.uploadDir(bucketName, uploadId);
    const parts: PartMeta[] = [];
    for (const file of await readdir(dir)) {
      if (!/^part-\d+\.json$/.test(file)) continue;
      const part = await readJson<PartMeta>(join(dir, file));
      if (part) parts.push(part);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Concatenates the listed parts into the object, checking them as S3 does. */
  async completeUpload(
    bucketName: string,
    key: string,
    uploadId: string,
    requested: { partNumber: number; etag: string }[],
    precondition?: Precondition,
  ): Promise<ObjectMeta> {
    const upload = await this.upload(bucketName, key, uploadId);
    const stored = new Map((await this.listParts(bucketName, key, uploadId)).map((p) => [p.partNumber, p]));
    if (requested.length === 0) {
      throw new ServiceError(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
        400,
      );
    }
    const chosen: PartMeta[] = [];
    let previous = 0;
    for (const item of requested) {
      if (item.partNumber <= previous) {
        throw new ServiceError(
          'InvalidPartOrder',
          'The list of parts was not in ascending order. Parts must be ordered by part number.',
          400,
          { UploadId: uploadId },
        );
      }
      previous = item.partNumber;
      const part = stored.get(item.partNumber);
      if (!part || part.etag.replace(/"/g, '') !== item.etag.replace(/"/g, '')) {
        throw new ServiceError(
          'InvalidPart',
          "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          400,
          { UploadId: uploadId, PartNumber: item.partNumber, ETag: item.etag },
        );
      }
      chosen.push(part);
    }
    chosen.forEach((part, index) => {
      if (index < chosen.length - 1 && part.size < 5 * 1024 * 1024) {
        throw new ServiceError(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed object size.',
          400,
          {
            ProposedSize: part.size,
            MinSizeAllowed: 5 * 1024 * 1024,
            PartNumber: part.partNumber,
            ETag: part.etag,
          },
        );
      }
    });
    const dir = this.uploadDir(bucketName, uploadId);
    const tmp = join(this.root, bucketName, 'tmp', randomUUID());
    await mkdir(join(this.root, bucketName, 'tmp'), { recursive: true });
    // One pipeline over all parts in order: a pipeline per part into the same stream would leave its
    // listeners on that stream part after part.
    const partFiles = chosen.map((part) => join(dir, `part-${part.partNumber}.bin`));
    await pipeline(async function* () {
      for (const file of partFiles) yield* createReadStream(file);
    }, createWriteStream(tmp));
    const digest = createHash('md5');
    for (const part of chosen) digest.update(Buffer.from(part.md5, 'hex'));
    const size = (await stat(tmp)).size;
    const meta: ObjectMeta = {
      ...upload.meta,
      key,
      size,
      etag: `"${digest.digest('hex')}-${chosen.length}"`,
      lastModified: Date.now(),
      parts: chosen.length,
    };
    const committed = await this.commit(bucketName, tmp, meta, precondition);
    await remove(dir);
    return committed;
  }

  async abortUpload(bucketName: string, key: string, uploadId: string): Promise<void> {
    await this.upload(bucketName, key, uploadId);
    await remove(this.uploadDir(bucketName, uploadId));
  }

  /** Reads a whole object into memory (small objects only, e.g. for hosting). */
  async readObject(bucketName: string, key: string): Promise<Buffer> {
    this.head(bucketName, key);
    return readFile(this.dataPath(bucketName, key));
  }
}
