import type { ServerResponse } from 'node:http';
import { ServiceError } from '../errors.ts';
import { send } from '../http-util.ts';
import type { ObjectMeta, S3Store } from './store.ts';
import { isoTime, xmlDocument } from './xml.ts';

function urlEncodeKey(value: string, encode: boolean): string {
  return encode ? encodeURIComponent(value).replace(/%2F/g, '/') : value;
}

/** ListObjects (v1) and ListObjectsV2 of one bucket: prefix, delimiter, max-keys, markers and continuation tokens. */
export function listObjects(
  store: S3Store,
  res: ServerResponse,
  url: URL,
  bucketName: string,
  v2: boolean,
  base: Record<string, string>,
): void {
  store.bucket(bucketName);
  const q = url.searchParams;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const encode = q.get('encoding-type') === 'url';
  const maxKeysRaw = q.get('max-keys');
  const maxKeys = maxKeysRaw === null ? 1000 : Number(maxKeysRaw);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw new ServiceError('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400, {
      ArgumentName: 'max-keys',
      ArgumentValue: String(maxKeysRaw),
    });
  }
  const token = q.get('continuation-token');
  let after = v2 ? (q.get('start-after') ?? '') : (q.get('marker') ?? '');
  if (v2 && token !== null) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith('k:')) {
      throw new ServiceError('InvalidArgument', 'The continuation token provided is incorrect', 400, {
        ArgumentName: 'continuation-token',
      });
    }
    after = decoded.slice(2);
  }
  const contents: ObjectMeta[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let lastReturned = '';
  for (const key of store.keys(bucketName)) {
    if (after && key <= after) continue;
    if (!key.startsWith(prefix)) continue;
    let commonPrefix: string | undefined;
    if (delimiter) {
      const index = key.indexOf(delimiter, prefix.length);
      if (index >= 0) commonPrefix = key.slice(0, index + delimiter.length);
    }
    if (commonPrefix !== undefined && prefixes.at(-1) === commonPrefix) continue;
    if (commonPrefix !== undefined && after.startsWith(commonPrefix)) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      prefixes.push(commonPrefix);
      lastReturned = `${commonPrefix}\u{10FFFF}`;
    } else {
      contents.push(store.head(bucketName, key));
      lastReturned = key;
    }
  }
  const enc = (v: string) => urlEncodeKey(v, encode);
  const entries = contents.map((m) => ({
    Key: enc(m.key),
    LastModified: isoTime(m.lastModified),
    ETag: m.etag,
    Size: m.size,
    StorageClass: 'STANDARD',
  }));
  const common = prefixes.length > 0 ? prefixes.map((p) => ({ Prefix: enc(p) })) : undefined;
  const nextToken = Buffer.from(`k:${lastReturned}`, 'utf8').toString('base64url');
  const body = v2
    ? xmlDocument('ListBucketResult', {
        Name: bucketName,
        Prefix: enc(prefix),
        Delimiter: delimiter ? enc(delimiter) : undefined,
        MaxKeys: maxKeys,
        EncodingType: encode ? 'url' : undefined,
        KeyCount: contents.length + prefixes.length,
        IsTruncated: truncated,
        ContinuationToken: token ?? undefined,
        NextContinuationToken: truncated ? nextToken : undefined,
        StartAfter: q.get('start-after') ? enc(q.get('start-after') as string) : undefined,
        Contents: entries,
        CommonPrefixes: common,
      })
    : xmlDocument('ListBucketResult', {
        Name: bucketName,
        Prefix: enc(prefix),
        Marker: enc(q.get('marker') ?? ''),
        NextMarker: truncated && delimiter ? enc(lastReturned.replace(/\u{10FFFF}$/u, '')) : undefined,
        Delimiter: delimiter ? enc(delimiter) : undefined,
        MaxKeys: maxKeys,
        EncodingType: encode ? 'url' : undefined,
        IsTruncated: truncated,
        Contents: entries,
        CommonPrefixes: common,
      });
  send(res, 200, { ...base, 'content-type': 'application/xml' }, body);
}
