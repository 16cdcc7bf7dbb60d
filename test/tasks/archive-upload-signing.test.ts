/**
 * How PackageModel's archive upload signs its requests, seen on the wire: the real S3 client and its middleware, with
 * a request handler in place of the network that keeps each request and answers as S3 does. The archive's bytes are
 * not signed (UNSIGNED-PAYLOAD: no second SHA-256 of the archive), and each request carries the CRC-32 of its bytes.
 */
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3ArchiveUpload } from '../../tasks/package-model/archive-upload.ts';

interface SentRequest {
  readonly method: string;
  readonly query: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** An S3 client whose requests are kept in `sent` and answered as S3 answers a multipart upload. */
function recordingClient(sent: SentRequest[]): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      async handle(request: {
        method: string;
        query: Record<string, unknown>;
        headers: Record<string, string>;
        body?: unknown;
      }) {
        const body = request.body instanceof Uint8Array ? Buffer.from(request.body) : Buffer.alloc(0);
        sent.push({ method: request.method, query: request.query, headers: request.headers, body });
        const xml =
          request.method === 'POST' && 'uploads' in request.query
            ? '<InitiateMultipartUploadResult><UploadId>u-1</UploadId></InitiateMultipartUploadResult>'
            : request.method === 'POST'
              ? '<CompleteMultipartUploadResult><ETag>"e-2"</ETag></CompleteMultipartUploadResult>'
              : '';
        return {
          response: {
            statusCode: 200,
            headers: { etag: `"e-${sent.length}"`, 'content-type': 'application/xml' },
            body: Readable.from(xml === '' ? [] : [Buffer.from(xml)]),
          },
        };
      },
    } as never,
  });
}

async function* chunks(bytes: number): AsyncGenerator<Uint8Array> {
  yield Uint8Array.from({ length: bytes }, (_, i) => (i * 7) % 256);
}

const crc32Header = (bytes: Buffer) => {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes));
  return value.toString('base64');
};

describe('s3ArchiveUpload on the wire', () => {
  it("sends the parts unsigned (UNSIGNED-PAYLOAD), each with its bytes' CRC-32", async () => {
    const sent: SentRequest[] = [];

    await s3ArchiveUpload(recordingClient(sent), 1000)(
      { bucket: 'artifacts', key: 'p/model.tar.gz' },
      chunks(2500),
      'application/gzip',
    );

    const parts = sent.filter((request) => request.method === 'PUT');
    expect(parts.map((part) => part.body.length)).toEqual([1000, 1000, 500]);
    for (const part of parts) {
      expect(part.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
      expect(part.headers['x-amz-checksum-crc32']).toBe(crc32Header(part.body));
      expect(part.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);
    }
  });

  it('puts an archive smaller than a part unsigned too, with its CRC-32', async () => {
    const sent: SentRequest[] = [];

    await s3ArchiveUpload(recordingClient(sent), 1000)(
      { bucket: 'artifacts', key: 'p/model.tar.gz' },
      chunks(400),
      'application/gzip',
    );

    expect(sent).toHaveLength(1);
    const [put] = sent;
    expect(put?.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(put?.headers['x-amz-checksum-crc32']).toBe(crc32Header(put?.body ?? Buffer.alloc(0)));
  });
});
