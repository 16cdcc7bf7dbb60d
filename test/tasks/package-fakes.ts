/** An in-memory S3 behind the ArtifactStore interface, recording what the packaging cores write. */
import { createHash } from 'node:crypto';
import { ModelSourceChangedError } from '../../contracts/errors.ts';
import type { ArtifactStore, ObjectLocation } from '../../tasks/_shared/artifact-store.ts';
import type { StoredObject } from '../../tasks/_shared/object-listing.ts';
import type { ArchiveUpload } from '../../tasks/package-model/archive-upload.ts';

interface FakeObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
}

/** The fake's objects plus a log of every write. */
interface FakeArtifactStore extends ArtifactStore {
  /** PackageModel's archive upload, into the same in-memory objects. */
  upload: ArchiveUpload;
  objects: Map<string, FakeObject>;
  uploads: string[];
  copies: { from: string; to: string; size: number; metadata?: Record<string, string> }[];
  /** Makes the next read of `bucket/key` return only its first `bytes` bytes, as if it changed meanwhile. */
  truncateOnRead(location: ObjectLocation, bytes: number): void;
  /** Replaces `bucket/key` with `body` just before its next read, as a writer racing the packager would. */
  replaceOnRead(location: ObjectLocation, body: string): void;
}

const id = (l: ObjectLocation) => `${l.bucket}/${l.key}`;

export function fakeArtifactStore(files: Record<string, string | Buffer> = {}): FakeArtifactStore {
  const objects = new Map<string, FakeObject>();
  const truncated = new Map<string, number>();
  const replaced = new Map<string, Buffer>();
  const put = (key: string, body: Buffer) =>
    objects.set(key, {
      body,
      etag: createHash('md5').update(body).digest('hex'),
      lastModified: new Date(1_700_000_000_000),
    });
  for (const [key, body] of Object.entries(files)) put(key, Buffer.from(body));
  const store: FakeArtifactStore = {
    objects,
    uploads: [],
    copies: [],
    truncateOnRead(location, bytes) {
      truncated.set(id(location), bytes);
    },
    replaceOnRead(location, body) {
      replaced.set(id(location), Buffer.from(body));
    },
    async list(bucket, prefix): Promise<StoredObject[]> {
      return [...objects.entries()]
        .filter(([key]) => key.startsWith(`${bucket}/${prefix}`))
        .map(([key, o]) => ({
          key: key.slice(bucket.length + 1),
          size: o.body.length,
          etag: o.etag,
          lastModified: o.lastModified,
        }))
        .sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async read(location, etag) {
      const replacement = replaced.get(id(location));
      if (replacement) {
        replaced.delete(id(location));
        put(id(location), replacement);
      }
      const object = objects.get(id(location));
      if (!object) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      if (etag !== undefined && etag !== object.etag) {
        throw new ModelSourceChangedError(`s3://${id(location)} changed since it was listed (ETag ${etag})`);
      }
      const body = object.body.subarray(0, truncated.get(id(location)) ?? object.body.length);
      // Several chunks, as a network stream delivers them.
      return (async function* () {
        for (let i = 0; i < body.length; i += 7) yield body.subarray(i, i + 7);
      })();
    },
    async readJson(location) {
      const object = objects.get(id(location));
      return object ? (JSON.parse(object.body.toString()) as unknown) : undefined;
    },
    async writeJson(location, value) {
      store.uploads.push(id(location));
      put(id(location), Buffer.from(JSON.stringify(value)));
    },
    async upload(location, body) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      store.uploads.push(id(location));
      put(id(location), Buffer.concat(chunks));
    },
    async copy(from, to, metadata) {
      const object = objects.get(id(from));
      if (!object) throw new Error(`no ${id(from)}`);
      store.copies.push({ from: id(from), to: id(to), size: from.size, ...(metadata ? { metadata } : {}) });
      objects.set(id(to), { ...object });
    },
  };
  return store;
}
