import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { ServiceError } from './errors.ts';

/** Region and service named by the request's SigV4 credential scope (header or presigned query), parsed but not verified. */
export interface SigV4Scope {
  region: string;
  service: string | undefined;
  accessKeyId: string | undefined;
}

const DEFAULT_REGION = 'us-east-1';

/** Characters HTTP does not allow in a header value (control characters other than tab): Node refuses them. */
export const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Reads the SigV4 credential scope; any region and any credentials are accepted. */
export function parseSigV4Scope(req: IncomingMessage, url: URL | (() => URL)): SigV4Scope {
  // The query string (a presigned URL) is read only when the header says nothing: parsing it costs.
  return sigV4Scope(req.headers.authorization, () =>
    (typeof url === 'function' ? url() : url).searchParams.get('X-Amz-Credential'),
  );
}

/** The SigV4 credential scope of an Authorization header, else of a presigned URL's X-Amz-Credential. */
export function sigV4Scope(authorization: string | undefined, presignedCredential: () => string | null): SigV4Scope {
  const auth = authorization ?? '';
  const fromHeader = auth === '' ? undefined : /Credential=([^,\s]+)/.exec(auth)?.[1];
  const credential = fromHeader ?? presignedCredential() ?? '';
  const parts = credential.split('/');
  if (parts.length >= 5) {
    return { accessKeyId: parts[0], region: parts[2] || DEFAULT_REGION, service: parts[3] };
  }
  return { region: DEFAULT_REGION, service: undefined, accessKeyId: undefined };
}

/** True when the body uses aws-chunked content encoding (the SDK's default for streamed bodies with checksums). */
function isAwsChunked(req: IncomingMessage): boolean {
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  const encoding = String(req.headers['content-encoding'] ?? '');
  return sha.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
}

/** Decodes an aws-chunked body (signed or unsigned, with or without trailers) into the raw payload. */
class AwsChunkedDecoder extends Transform {
  /** Trailing headers (e.g. `x-amz-checksum-crc32`), available once the stream has ended. */
  readonly trailers: Record<string, string> = {};
  private buffer: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private state: 'header' | 'data' | 'crlf' | 'trailer' | 'done' = 'header';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      this.drain();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state === 'done' || (this.state === 'trailer' && this.buffer.length === 0)) callback();
    else callback(new ServiceError('IncompleteBody', 'The request body terminated unexpectedly', 400));
  }

  private drain(): void {
    for (;;) {
      if (this.state === 'header' || this.state === 'trailer') {
        const end = this.buffer.indexOf('\r\n');
        if (end < 0) {
          if (this.buffer.length > 64 * 1024)
            throw new ServiceError('InvalidRequest', 'Malformed aws-chunked body', 400);
          return;
        }
        const line = this.buffer.subarray(0, end).toString('latin1');
        this.buffer = this.buffer.subarray(end + 2);
        if (this.state === 'trailer') {
          if (line === '') {
            this.state = 'done';
            return;
          }
          const colon = line.indexOf(':');
          if (colon > 0) this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          continue;
        }
        const size = Number.parseInt(line.split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) {
          throw new ServiceError('InvalidRequest', 'Malformed aws-chunked body', 400);
        }
        if (size === 0) this.state = 'trailer';
        else {
          this.remaining = size;
          this.state = 'data';
        }
      } else if (this.state === 'data') {
        if (this.buffer.length === 0) return;
        const take = Math.min(this.remaining, this.buffer.length);
        this.push(this.buffer.subarray(0, take));
        this.buffer = this.buffer.subarray(take);
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'crlf';
      } else if (this.state === 'crlf') {
        if (this.buffer.length < 2) return;
        this.buffer = this.buffer.subarray(2);
        this.state = 'header';
      } else {
        this.buffer = Buffer.alloc(0);
        return;
      }
    }
  }
}

/** The request body as a stream of payload bytes, decoding aws-chunked when present. */
export function payloadStream(req: IncomingMessage): {
  stream: NodeJS.ReadableStream;
  trailers: () => Record<string, string>;
} {
  if (!isAwsChunked(req)) return { stream: req, trailers: () => ({}) };
  const decoder = new AwsChunkedDecoder();
  req.on('error', (err) => decoder.destroy(err));
  req.pipe(decoder);
  return { stream: decoder, trailers: () => decoder.trailers };
}

/** Reads the whole payload into memory, refusing more than `limit` bytes. */
export function readPayload(
  req: IncomingMessage,
  limit = 64 * 1024 * 1024,
): Promise<{ body: Buffer; trailers: Record<string, string>; tooLarge: boolean; size: number }> {
  const { stream, trailers } = payloadStream(req);
  // Events rather than async iteration: this is on every invocation's path, and an async iterator costs more.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    stream.once('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      resolve({ body, trailers: trailers(), tooLarge, size });
    });
    stream.once('error', reject);
    // A request that ends before the whole body arrived (the client went away) never emits 'end'.
    stream.once('close', () => {
      if (!(stream as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded) {
        reject(new ServiceError('IncompleteBody', 'The request body terminated unexpectedly', 400));
      }
    });
  });
}

/** A complete HTTP answer: status, headers and body. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A service error as restJson or awsJson answers it. */
export function jsonErrorAnswer(
  protocol: 'awsJson' | 'restJson',
  err: ServiceError,
  requestId: string,
  awsJsonContentType: string,
): HttpAnswer {
  const body: Record<string, unknown> = { ...err.fields, Message: err.message };
  if (protocol === 'awsJson') body.__type = err.code;
  return {
    status: err.status,
    headers: {
      'content-type': protocol === 'awsJson' ? awsJsonContentType : 'application/json',
      'x-amzn-RequestId': requestId,
      'x-amzn-ErrorType': err.code,
      ...err.headers,
    },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** Writes a complete response. */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body?: string | Buffer,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': payload ? payload.length : 0 });
  res.end(payload);
}
