import { createHash, randomUUID } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, open as fsOpen, read as fsRead, openSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
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
  /**
   * Where a multipart object's bytes are: the parts' files, in order, in a folder of the bucket's objects (the
   * upload's own folder, moved there at CompleteMultipartUpload), so completing an upload writes no byte again.
   * Absent for an object stored as one file.
   */
  segments?: ObjectSegments;
}

/** The files that hold a multipart object's bytes, in order. */
export interface ObjectSegments {
  /** The folder's name in the bucket's `objects` folder. */
  folder: string;
  files: { name: string; size: number }[];
}

/** Bytes `start` to `end` of an object, both included (an HTTP Range). */
export interface ByteRange {
  start: number;
  end: number;
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

/**
 * Bytes a body's hashing and file stages buffer each (streams' default is 16 KiB, less than one 64 KiB socket read, so
 * every chunk paused the body until the file had taken the one before).
 */
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** Bytes of an object read at once to be sent (two such buffers per GetObject under way). */
const SEND_BUFFER_BYTES = 1024 * 1024;

/** Opens a file for reading; resolves with its descriptor. */
function openFile(path: string): Promise<number> {
  return new Promise((resolve, reject) => fsOpen(path, 'r', (error, fd) => (error ? reject(error) : resolve(fd))));
}

/** Reads up to `length` bytes at `position` into the start of `buffer`; resolves with the count read. */
function readInto(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fsRead(fd, buffer, 0, length, position, (error, bytes) => (error ? reject(error) : resolve(bytes))),
  );
}

/** Writes `chunk` to `out`; resolves once `out` has taken it (its buffer may then be used again). */
function writeTo(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

/** Buckets and objects as files under `<stateDir>/s3`; objects are named by the SHA-256 of their key. */
export class S3Store {
  private readonly buckets = new Map<string, BucketState>();
  /** The creations under way, by bucket name. */
  private readonly creatingBuckets = new Map<string, Promise<void>>();
  /** Commits and deletes of one key run one at a time, so a write's precondition holds at its commit. */
  private readonly keyLock = new KeyedLock();
  /** Reads under way of multipart objects' folders: a replaced or deleted object's folder goes once they end. */
  private readonly segmentReaders = new FolderReaders();

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
      const entries = await readdir(objectsDir);
      for (const file of entries) {
        if (!file.endsWith('.json')) continue;
        const meta = await readJson<ObjectMeta>(join(objectsDir, file));
        if (meta) bucket.objects.set(meta.key, meta);
      }
      // A multipart object's folder that no object names: replaced or deleted while it was read, then the process
      // ended before the read did (or between moving the folder and writing the object's metadata).
      const named = new Set([...bucket.objects.values()].map((meta) => meta.segments?.folder));
      for (const file of entries) {
        if (file.endsWith('.parts') && !named.has(file)) await remove(join(objectsDir, file));
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

  /**
   * Creates a bucket; returns false when it already exists, or is being created by a call still under way (which
   * this one waits for). Without that wait, two creations of one name at once both made it, and the later one
   * replaced the bucket the earlier one had made, with the objects written to it meanwhile.
   */
  async createBucket(name: string, region: string): Promise<boolean> {
    const underWay = this.creatingBuckets.get(name);
    if (underWay !== undefined) {
      await underWay;
      return false;
    }
    if (this.buckets.has(name)) return false;
    const info = { name, creationDate: Date.now(), region };
    const creation = (async () => {
      await mkdir(join(this.root, name, 'objects'), { recursive: true });
      await writeJsonAtomic(join(this.root, name, 'bucket.json'), info);
      this.buckets.set(name, { ...info, objects: new Map() });
    })();
    this.creatingBuckets.set(name, creation);
    try {
      await creation;
    } finally {
      this.creatingBuckets.delete(name);
    }
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

  /** Path of the file holding the bytes of an object stored as one file. */
  private dataPath(bucketName: string, key: string): string {
    return join(this.root, bucketName, 'objects', `${keyFile(key)}.bin`);
  }

  private segmentsPath(bucketName: string, segments: ObjectSegments): string {
    return join(this.root, bucketName, 'objects', segments.folder);
  }

  /**
   * Streams an object's bytes (all, or `range`). The bytes are those of the object when this is called: a later
   * write of the key replaces the object without disturbing a read under way.
   */
  openObject(bucketName: string, key: string, range?: ByteRange, highWaterMark?: number): Readable {
    const meta = this.head(bucketName, key);
    const start = range?.start ?? 0;
    const end = range?.end ?? meta.size - 1;
    if (!meta.segments) {
      // Opened now, so a commit that renames another version over the file cannot swap the bytes under this read.
      const fd = openSync(this.dataPath(bucketName, key), 'r');
      return createReadStream('', { fd, start, end: Math.max(start, end), highWaterMark, autoClose: true });
    }
    const folder = this.segmentsPath(bucketName, meta.segments);
    const files = meta.segments.files;
    const release = this.segmentReaders.hold(folder);
    async function* bytes(): AsyncGenerator<Buffer> {
      try {
        let offset = 0;
        for (const file of files) {
          const fileEnd = offset + file.size - 1;
          if (file.size > 0 && fileEnd >= start && offset <= end) {
            yield* createReadStream(join(folder, file.name), {
              start: Math.max(0, start - offset),
              end: Math.min(file.size - 1, end - offset),
              highWaterMark,
            });
          }
          offset += file.size;
          if (offset > end) break;
        }
      } finally {
        release();
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /**
   * Writes an object's bytes (all, or `range`) to `out`, a GetObject response, as `openObject` would stream them, but
   * through two read buffers used again and again: a stream would allocate a buffer per read, and at a GiB served
   * those buffers cost the emulator more garbage collections than any other work. A buffer is read into again only
   * once `out` has taken its previous bytes (the write's callback), so at most two are in flight. On a failure (the
   * client went away, a file read failed) `out` is destroyed and the error thrown.
   */
  async sendObject(bucketName: string, key: string, range: ByteRange, out: Writable): Promise<void> {
    const meta = this.head(bucketName, key);
    const pieces: { path?: string; fd?: number; start: number; end: number }[] = [];
    let release: (() => void) | undefined;
    if (!meta.segments) {
      // Opened now, as openObject does, so that a commit renaming another version over the file swaps no byte here.
      pieces.push({ fd: openSync(this.dataPath(bucketName, key), 'r'), start: range.start, end: range.end });
    } else {
      const folder = this.segmentsPath(bucketName, meta.segments);
      release = this.segmentReaders.hold(folder);
      let offset = 0;
      for (const file of meta.segments.files) {
        const fileEnd = offset + file.size - 1;
        if (file.size > 0 && fileEnd >= range.start && offset <= range.end) {
          pieces.push({
            path: join(folder, file.name),
            start: Math.max(0, range.start - offset),
            end: Math.min(file.size - 1, range.end - offset),
          });
        }
        offset += file.size;
      }
    }
    const buffers = [Buffer.allocUnsafeSlow(SEND_BUFFER_BYTES), Buffer.allocUnsafeSlow(SEND_BUFFER_BYTES)];
    const taken: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    let turn = 0;
    const closed = new Promise<never>((_, reject) => {
      out.once('close', () => reject(new Error('The client closed the connection before the object was sent')));
    });
    closed.catch(() => undefined);
    try {
      for (const piece of pieces) {
        const fd = piece.fd ?? (await openFile(piece.path as string));
        try {
          for (let position = piece.start; position <= piece.end; ) {
            const index = turn % 2;
            turn += 1;
            await Promise.race([taken[index], closed]);
            const buffer = buffers[index] as Buffer;
            const bytes = await readInto(fd, buffer, Math.min(buffer.length, piece.end - position + 1), position);
            if (bytes === 0) throw new Error(`The object's file ended before its size (${meta.size} bytes)`);
            taken[index] = writeTo(out, buffer.subarray(0, bytes));
            taken[index].catch(() => undefined);
            position += bytes;
          }
        } finally {
          closeSync(fd);
        }
      }
      await Promise.race([Promise.all(taken), closed]);
    } catch (error) {
      out.destroy(error as Error);
      throw error;
    } finally {
      release?.();
    }
  }

  /** Copies an object's bytes to a file. */
  async copyObjectToFile(bucketName: string, key: string, target: string): Promise<void> {
    const meta = this.head(bucketName, key);
    if (!meta.segments) await copyFile(this.dataPath(bucketName, key), target);
    else await pipeline(this.openObject(bucketName, key), createWriteStream(target));
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
      highWaterMark: WRITE_BUFFER_BYTES,
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
      await pipeline(body, tap, createWriteStream(tmp, { highWaterMark: WRITE_BUFFER_BYTES }));
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
    return this.commit(bucketName, { file: written.tmp }, full, precondition);
  }

  /**
   * Makes the bytes in `data` the key's object, once `precondition` (if any) holds for the key's object at that
   * moment: `data` is a file (moved over the key's file) or a multipart upload's folder (moved among the objects,
   * its parts then named by `meta.segments`). The metadata file is the commit point; the previous object's bytes
   * are removed after it (a multipart object's once no read of it is under way).
   */
  private commit(
    bucketName: string,
    data: { file: string } | { folder: string },
    meta: ObjectMeta,
    precondition?: Precondition,
  ): Promise<ObjectMeta> {
    return this.keyLock.run(`${bucketName}/${meta.key}`, async () => {
      const bucket = this.bucket(bucketName);
      const previous = bucket.objects.get(meta.key);
      try {
        precondition?.(previous);
      } catch (err) {
        if ('file' in data) await unlink(data.file).catch(() => undefined);
        throw err;
      }
      if ('file' in data) await rename(data.file, this.dataPath(bucketName, meta.key));
      else if (meta.segments) await rename(data.folder, this.segmentsPath(bucketName, meta.segments));
      await writeJsonAtomic(join(this.root, bucketName, 'objects', `${keyFile(meta.key)}.json`), meta);
      bucket.objects.set(meta.key, meta);
      if (previous?.segments)
        await this.segmentReaders.removeWhenUnread(this.segmentsPath(bucketName, previous.segments));
      if (previous && !previous.segments && meta.segments) await remove(this.dataPath(bucketName, meta.key));
      return meta;
    });
  }

  deleteObject(bucketName: string, key: string): Promise<void> {
    return this.keyLock.run(`${bucketName}/${key}`, async () => {
      const bucket = this.bucket(bucketName);
      const meta = bucket.objects.get(key);
      if (!meta) return;
      bucket.objects.delete(key);
      const base = join(this.root, bucketName, 'objects', keyFile(key));
      await remove(`${base}.json`);
      if (meta.segments) await this.segmentReaders.removeWhenUnread(this.segmentsPath(bucketName, meta.segments));
      else await remove(`${base}.bin`);
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
      this.openObject(source.bucket, source.key),
      new Set(Object.keys(sourceMeta.checksums ?? {})),
    );
    const { key: _k, size: _s, etag: _e, lastModified: _l, parts: _p, segments: _g, ...kept } = sourceMeta;
    const meta: ObjectMeta = {
      ...(replaceMeta ?? kept),
      key: target.key,
      size: written.size,
      etag: `"${written.md5}"`,
      lastModified: Date.now(),
    };
    return this.commit(target.bucket, { file: written.tmp }, meta);
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
    // Parts uploaded but not listed are discarded, as S3 does; the listed ones are the object's bytes as they are.
    const listed = new Set(chosen.map((part) => `part-${part.partNumber}.bin`));
    const unlisted = (await readdir(dir)).filter((file) => !listed.has(file));
    const digest = createHash('md5');
    for (const part of chosen) digest.update(Buffer.from(part.md5, 'hex'));
    const segments: ObjectSegments = {
      folder: `${keyFile(key)}.${uploadId}.parts`,
      files: chosen.map((part) => ({ name: `part-${part.partNumber}.bin`, size: part.size })),
    };
    const meta: ObjectMeta = {
      ...upload.meta,
      key,
      size: chosen.reduce((sum, part) => sum + part.size, 0),
      etag: `"${digest.digest('hex')}-${chosen.length}"`,
      lastModified: Date.now(),
      parts: chosen.length,
      segments,
    };
    // A failed precondition leaves the upload as it was (the client may complete it again).
    const committed = await this.commit(bucketName, { folder: dir }, meta, precondition);
    const folder = this.segmentsPath(bucketName, segments);
    for (const file of unlisted) await remove(join(folder, file));
    return committed;
  }

  async abortUpload(bucketName: string, key: string, uploadId: string): Promise<void> {
    await this.upload(bucketName, key, uploadId);
    await remove(this.uploadDir(bucketName, uploadId));
  }

  /** Reads a whole object into memory (small objects only, e.g. for hosting). */
  async readObject(bucketName: string, key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.openObject(bucketName, key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}

/** Counts the reads under way of each folder, so a folder is removed only once none reads it. */
class FolderReaders {
  private readonly reading = new Map<string, number>();
  private readonly unwanted = new Set<string>();

  /** Counts a read of `folder`; the function returned ends it. */
  hold(folder: string): () => void {
    this.reading.set(folder, (this.reading.get(folder) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.reading.get(folder) ?? 1) - 1;
      if (left > 0) {
        this.reading.set(folder, left);
        return;
      }
      this.reading.delete(folder);
      if (this.unwanted.delete(folder)) remove(folder).catch(() => undefined);
    };
  }

  /** Removes `folder` now, or when its last read ends. */
  async removeWhenUnread(folder: string): Promise<void> {
    if (this.reading.has(folder)) this.unwanted.add(folder);
    else await remove(folder);
  }
}
