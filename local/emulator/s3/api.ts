import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError } from '../errors.ts';
import { payloadStream, readPayload, type SigV4Scope, send } from '../http-util.ts';
import { headerNotImplemented, preconditionOf, writeConditionOf } from './conditional-writes.ts';
import { listObjects } from './list-objects.ts';
import { type S3Target, safeDecode } from './routing.ts';
import type { ObjectMeta, S3Store, SentChecksums } from './store.ts';
import { escapeXml, isoTime, xmlDocument, xmlElements, xmlText } from './xml.ts';

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** Writes an S3 error in its XML shape (no body for HEAD, like S3). */
export function sendS3Error(req: IncomingMessage, res: ServerResponse, err: ServiceError): void {
  const id = requestId();
  const headers: Record<string, string> = { 'x-amz-request-id': id, 'x-amz-id-2': id, ...err.headers };
  if (req.method === 'HEAD') {
    send(res, err.status, headers);
    return;
  }
  const body = xmlDocument(
    'Error',
    { Code: err.code, Message: err.message, ...err.fields, RequestId: id, HostId: id },
    false,
  );
  send(res, err.status, { ...headers, 'content-type': 'application/xml' }, body);
}

function httpTime(ms: number): string {
  return new Date(ms).toUTCString();
}

function objectHeaders(meta: ObjectMeta): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    etag: meta.etag,
    'last-modified': httpTime(meta.lastModified),
    'accept-ranges': 'bytes',
    'content-type': meta.contentType ?? 'binary/octet-stream',
  };
  if (meta.contentEncoding) headers['content-encoding'] = meta.contentEncoding;
  if (meta.contentDisposition) headers['content-disposition'] = meta.contentDisposition;
  if (meta.cacheControl) headers['cache-control'] = meta.cacheControl;
  if (meta.parts) headers['x-amz-mp-parts-count'] = meta.parts;
  for (const [k, v] of Object.entries(meta.metadata)) headers[`x-amz-meta-${k}`] = v;
  return headers;
}

function metaFromHeaders(req: IncomingMessage): Omit<ObjectMeta, 'key' | 'size' | 'etag' | 'lastModified'> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice(11)] = value;
  }
  const encoding = String(req.headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e && e !== 'aws-chunked')
    .join(', ');
  const out: Omit<ObjectMeta, 'key' | 'size' | 'etag' | 'lastModified'> = { metadata };
  const type = req.headers['content-type'];
  if (type) out.contentType = type;
  if (encoding) out.contentEncoding = encoding;
  const disposition = req.headers['content-disposition'];
  if (typeof disposition === 'string') out.contentDisposition = disposition;
  const cache = req.headers['cache-control'];
  if (cache) out.cacheControl = cache;
  return out;
}

/** The checksums the client announced before the body and, once it has ended, their values. */
function sentChecksums(req: IncomingMessage, trailers: () => Record<string, string>): SentChecksums {
  const announced = new Set<string>();
  const prefix = 'x-amz-checksum-';
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith(prefix) && name !== 'x-amz-checksum-algorithm') announced.add(name.slice(prefix.length));
  }
  for (const name of String(req.headers['x-amz-trailer'] ?? '').split(',')) {
    const trailer = name.trim().toLowerCase();
    if (trailer.startsWith(prefix)) announced.add(trailer.slice(prefix.length));
  }
  for (const header of ['x-amz-sdk-checksum-algorithm', 'x-amz-checksum-algorithm']) {
    const algorithm = req.headers[header];
    if (typeof algorithm === 'string') announced.add(algorithm.toLowerCase());
  }
  return {
    announced,
    values() {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (name.startsWith(prefix) && name !== 'x-amz-checksum-algorithm' && typeof value === 'string') {
          out[name] = value;
        }
      }
      return { ...out, ...trailers() };
    },
  };
}

function checksumHeaders(checksums: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [algorithm, value] of Object.entries(checksums ?? {})) out[`x-amz-checksum-${algorithm}`] = value;
  return out;
}

const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Serves the S3 REST API (path style) from an S3Store. */
export class S3Api {
  constructor(private readonly store: S3Store) {}

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    target: S3Target,
    scope: SigV4Scope,
  ): Promise<void> {
    const { bucket, key } = target;
    const id = requestId();
    const base = { 'x-amz-request-id': id, 'x-amz-id-2': id };
    // Checked as the request arrives: a conditional write compares with the key's object now and at its commit.
    const condition = writeConditionOf(req.headers, target.operation);
    const precondition = () =>
      condition && preconditionOf(condition, this.store.current(bucket as string, key as string), key as string);
    switch (target.operation) {
      case 'ListBuckets': {
        const buckets = this.store.listBuckets();
        const body = xmlDocument('ListAllMyBucketsResult', {
          Owner: { ID: 'smwf-local-owner', DisplayName: 'smwf-local' },
          Buckets: {
            Bucket: buckets.map((b) => ({
              Name: b.name,
              CreationDate: isoTime(b.creationDate),
              BucketRegion: b.region,
            })),
          },
        });
        send(res, 200, { ...base, 'content-type': 'application/xml' }, body);
        return;
      }
      case 'CreateBucket': {
        const name = bucket as string;
        if (!BUCKET_NAME.test(name) || name.includes('..')) {
          throw new ServiceError('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name });
        }
        const { body } = await readPayload(req, 1024 * 1024);
        const region = xmlText(body.toString('utf8'), 'LocationConstraint') || scope.region;
        const created = await this.store.createBucket(name, region);
        if (!created && region !== 'us-east-1') {
          throw new ServiceError(
            'BucketAlreadyOwnedByYou',
            'Your previous request to create the named bucket succeeded and you already own it.',
            409,
            { BucketName: name },
          );
        }
        send(res, 200, { ...base, location: `/${name}` });
        return;
      }
      case 'HeadBucket': {
        this.store.bucket(bucket as string);
        send(res, 200, { ...base, 'x-amz-bucket-region': this.store.bucketRegion(bucket as string) });
        return;
      }
      case 'DeleteBucket':
        await this.store.deleteBucket(bucket as string);
        send(res, 204, base);
        return;
      case 'GetBucketLocation': {
        const region = this.store.bucketRegion(bucket as string);
        const text = region === 'us-east-1' ? '' : escapeXml(region);
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${text}</LocationConstraint>`;
        send(res, 200, { ...base, 'content-type': 'application/xml' }, body);
        return;
      }
      case 'ListObjectsV2':
      case 'ListObjects':
        listObjects(this.store, res, url, bucket as string, target.operation === 'ListObjectsV2', base);
        return;
      case 'DeleteObjects': {
        this.store.bucket(bucket as string);
        const { body } = await readPayload(req, 2 * 1024 * 1024);
        const xml = body.toString('utf8');
        const objects = xmlElements(xml, 'Object');
        if (objects.some((o) => xmlText(o, 'ETag') !== undefined)) {
          throw headerNotImplemented('ETag', 'conditional deletes are not emulated by the smwf local emulator');
        }
        const keys = objects.map((o) => xmlText(o, 'Key') ?? '');
        if (keys.length > 1000) {
          throw new ServiceError(
            'MalformedXML',
            'The XML you provided was not well-formed or did not validate against our published schema',
            400,
          );
        }
        for (const k of keys) await this.store.deleteObject(bucket as string, k);
        const quiet = xmlText(xml, 'Quiet') === 'true';
        const result = xmlDocument('DeleteResult', { Deleted: quiet ? undefined : keys.map((k) => ({ Key: k })) });
        send(res, 200, { ...base, 'content-type': 'application/xml' }, result);
        return;
      }
      case 'PutObject': {
        const checked = precondition();
        const { stream, trailers } = payloadStream(req);
        const meta = await this.store.putObject(
          bucket as string,
          key as string,
          stream,
          metaFromHeaders(req),
          sentChecksums(req, trailers),
          headerValue(req, 'content-md5'),
          decodedLength(req),
          checked,
        );
        send(res, 200, { ...base, etag: meta.etag, ...checksumHeaders(meta.checksums) });
        return;
      }
      case 'CopyObject': {
        const source = this.copySource(String(req.headers['x-amz-copy-source']));
        const replace = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
        if (source.bucket === bucket && source.key === key && !replace) {
          throw new ServiceError(
            'InvalidRequest',
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
            400,
          );
        }
        await readPayload(req, 1024);
        const meta = await this.store.copyObject(
          source,
          { bucket: bucket as string, key: key as string },
          replace ? metaFromHeaders(req) : undefined,
        );
        const body = xmlDocument('CopyObjectResult', { LastModified: isoTime(meta.lastModified), ETag: meta.etag });
        send(res, 200, { ...base, 'content-type': 'application/xml' }, body);
        return;
      }
      case 'GetObject':
      case 'HeadObject':
        await this.getObject(req, res, bucket as string, key as string, target.operation === 'HeadObject', base);
        return;
      case 'DeleteObject':
        this.store.bucket(bucket as string);
        await this.store.deleteObject(bucket as string, key as string);
        send(res, 204, base);
        return;
      case 'CreateMultipartUpload': {
        const upload = await this.store.createUpload(bucket as string, key as string, metaFromHeaders(req));
        const body = xmlDocument('InitiateMultipartUploadResult', {
          Bucket: bucket,
          Key: key,
          UploadId: upload.uploadId,
        });
        const algorithm = req.headers['x-amz-checksum-algorithm'];
        send(
          res,
          200,
          {
            ...base,
            'content-type': 'application/xml',
            ...(typeof algorithm === 'string' ? { 'x-amz-checksum-algorithm': algorithm } : {}),
          },
          body,
        );
        return;
      }
      case 'UploadPart': {
        const partNumber = Number(url.searchParams.get('partNumber'));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
          throw new ServiceError(
            'InvalidArgument',
            'Part number must be an integer between 1 and 10000, inclusive',
            400,
            {
              ArgumentName: 'partNumber',
              ArgumentValue: String(url.searchParams.get('partNumber')),
            },
          );
        }
        const { stream, trailers } = payloadStream(req);
        const part = await this.store.uploadPart(
          bucket as string,
          key as string,
          String(url.searchParams.get('uploadId')),
          partNumber,
          stream,
          sentChecksums(req, trailers),
          headerValue(req, 'content-md5'),
          decodedLength(req),
        );
        send(res, 200, { ...base, etag: part.etag, ...checksumHeaders(part.checksums) });
        return;
      }
      case 'CompleteMultipartUpload': {
        const checked = precondition();
        const { body } = await readPayload(req, 10 * 1024 * 1024);
        const parts = xmlElements(body.toString('utf8'), 'Part').map((p) => ({
          partNumber: Number(xmlText(p, 'PartNumber')),
          etag: xmlText(p, 'ETag') ?? '',
        }));
        const meta = await this.store.completeUpload(
          bucket as string,
          key as string,
          String(url.searchParams.get('uploadId')),
          parts,
          checked,
        );
        const host = req.headers.host ?? '127.0.0.1';
        const result = xmlDocument('CompleteMultipartUploadResult', {
          Location: `http://${host}/${bucket}/${encodeURI(key as string)}`,
          Bucket: bucket,
          Key: key,
          ETag: meta.etag,
        });
        send(res, 200, { ...base, 'content-type': 'application/xml' }, result);
        return;
      }
      case 'AbortMultipartUpload':
        await this.store.abortUpload(bucket as string, key as string, String(url.searchParams.get('uploadId')));
        send(res, 204, base);
        return;
      case 'ListParts': {
        const uploadId = String(url.searchParams.get('uploadId'));
        const parts = await this.store.listParts(bucket as string, key as string, uploadId);
        const body = xmlDocument('ListPartsResult', {
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          IsTruncated: false,
          Part: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, Size: p.size })),
        });
        send(res, 200, { ...base, 'content-type': 'application/xml' }, body);
        return;
      }
      default:
        throw new ServiceError(
          'NotImplemented',
          'A header you provided implies functionality that is not implemented',
          501,
        );
    }
  }

  private copySource(header: string): { bucket: string; key: string } {
    const decoded = safeDecode(header.split('?')[0] ?? '').replace(/^\//, '');
    const slash = decoded.indexOf('/');
    if (slash <= 0 || slash === decoded.length - 1) {
      throw new ServiceError(
        'InvalidArgument',
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
        400,
        {
          ArgumentName: 'x-amz-copy-source',
          ArgumentValue: header,
        },
      );
    }
    return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
  }

  private async getObject(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    headOnly: boolean,
    base: Record<string, string>,
  ): Promise<void> {
    const meta = this.store.head(bucket, key);
    const headers: Record<string, string | number> = { ...base, ...objectHeaders(meta) };
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== '*' && ifMatch.replace(/"/g, '') !== meta.etag.replace(/"/g, '')) {
      throw new ServiceError(
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        412,
        { Condition: 'If-Match' },
      );
    }
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && (ifNoneMatch === '*' || ifNoneMatch.replace(/"/g, '') === meta.etag.replace(/"/g, ''))) {
      send(res, 304, { ...base, etag: meta.etag });
      return;
    }
    let start = 0;
    let end = meta.size - 1;
    let status = 200;
    const range = req.headers.range;
    const parsed = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
    if (parsed) {
      const [, first, last] = parsed;
      if (first === '' && last !== '') {
        start = Math.max(0, meta.size - Number(last));
      } else if (first !== '') {
        start = Number(first);
        if (last !== '') end = Math.min(end, Number(last));
      }
      if (start >= meta.size || (first === '' && last === '') || start > end + (meta.size === 0 ? 1 : 0)) {
        throw new ServiceError('InvalidRange', 'The requested range is not satisfiable', 416, {
          RangeRequested: range ?? '',
          ActualObjectSize: meta.size,
        });
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
    }
    const length = meta.size === 0 ? 0 : end - start + 1;
    headers['content-length'] = length;
    res.writeHead(status, headers);
    if (headOnly || length === 0) {
      res.end();
      return;
    }
    await this.store.sendObject(bucket, key, { start, end }, res);
    res.end();
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `x-amz-decoded-content-length` of an aws-chunked body: the payload size the client promised. */
function decodedLength(req: IncomingMessage): number | undefined {
  const raw = headerValue(req, 'x-amz-decoded-content-length');
  return raw === undefined || !/^\d+$/.test(raw) ? undefined : Number(raw);
}
