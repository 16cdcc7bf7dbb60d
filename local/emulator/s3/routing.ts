import type { IncomingMessage } from 'node:http';

/** Where an S3 request points: the operation name (for fault injection) plus bucket and key. */
export interface S3Target {
  operation: string;
  bucket: string | undefined;
  key: string | undefined;
}

/** Splits a path-style (or `<bucket>.localhost` virtual-host) request into bucket, key and S3 operation name. */
export function classifyS3(req: IncomingMessage, url: URL): S3Target {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  let bucket: string | undefined;
  let rawKey: string | undefined;
  const virtual = /^(.+)\.localhost$/.exec(host);
  const path = url.pathname;
  if (virtual?.[1] && !virtual[1].startsWith('s3.')) {
    bucket = virtual[1];
    rawKey = path.length > 1 ? path.slice(1) : undefined;
  } else {
    const slash = path.indexOf('/', 1);
    if (path.length > 1) {
      bucket = safeDecode(slash < 0 ? path.slice(1) : path.slice(1, slash));
      rawKey = slash < 0 || slash === path.length - 1 ? undefined : path.slice(slash + 1);
    }
  }
  const key = rawKey === undefined ? undefined : safeDecode(rawKey);
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  let operation = 'Unknown';
  if (!bucket) operation = method === 'GET' ? 'ListBuckets' : 'Unknown';
  else if (key === undefined) {
    if (method === 'PUT') operation = 'CreateBucket';
    else if (method === 'HEAD') operation = 'HeadBucket';
    else if (method === 'DELETE') operation = 'DeleteBucket';
    else if (method === 'POST' && q.has('delete')) operation = 'DeleteObjects';
    else if (method === 'GET' && q.has('location')) operation = 'GetBucketLocation';
    else if (method === 'GET' && q.has('uploads')) operation = 'ListMultipartUploads';
    else if (method === 'GET' && q.get('list-type') === '2') operation = 'ListObjectsV2';
    else if (method === 'GET' && [...q.keys()].every((k) => LIST_V1_PARAMS.has(k))) operation = 'ListObjects';
  } else if (method === 'PUT') {
    if (q.has('uploadId')) operation = req.headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart';
    else if (req.headers['x-amz-copy-source']) operation = 'CopyObject';
    else if (q.size === 0 || q.has('x-id')) operation = 'PutObject';
  } else if (method === 'GET') operation = q.has('uploadId') ? 'ListParts' : 'GetObject';
  else if (method === 'HEAD') operation = 'HeadObject';
  else if (method === 'DELETE') operation = q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  else if (method === 'POST' && q.has('uploads')) operation = 'CreateMultipartUpload';
  else if (method === 'POST' && q.has('uploadId')) operation = 'CompleteMultipartUpload';
  return { operation, bucket, key };
}

/** Percent-decodes a path segment; a malformed escape is kept as typed rather than failing the request. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const LIST_V1_PARAMS = new Set(['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type', 'x-id']);
