/**
 * S3 objects in memory, for the scripted SageMaker's workflows: what the endpoint leases need (PutObject with S3's
 * conditional writes, GetObject), answered as the emulator's S3 answers them (the conditions are
 * s3/conditional-writes.ts's), and nothing more: any other operation, or a member these two do not evaluate, is
 * refused with S3's 501 NotImplemented naming it. Every bucket exists (a double of the stack's buckets, which the
 * workflows never create); a write is atomic, so the emulator's 409 ConditionalRequestConflict cannot happen here.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ServiceError } from '../errors.ts';
import { checkCondition, headerNotImplemented, writeConditionOf } from '../s3/conditional-writes.ts';

type Input = Record<string, unknown>;

/** One stored object. */
interface ScriptedObject {
  readonly body: Buffer;
  /** The quoted MD5 of the body, as S3 gives a single-part upload's ETag. */
  readonly etag: string;
  readonly contentType: string | undefined;
  readonly lastModified: Date;
}

/** The members each answered operation evaluates; any other member given is refused. */
const MEMBERS: Readonly<Record<string, ReadonlySet<string>>> = {
  PutObject: new Set(['Bucket', 'Key', 'Body', 'ContentType', 'IfNoneMatch', 'IfMatch']),
  GetObject: new Set(['Bucket', 'Key']),
};

/** A body the SDK hands out for GetObject: a stream with the SDK's transform methods. */
function sdkBody(bytes: Buffer): Readable {
  return Object.assign(Readable.from([bytes]), {
    transformToString: async (encoding?: BufferEncoding) => bytes.toString(encoding ?? 'utf8'),
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToWebStream: () => Readable.toWeb(Readable.from([bytes])),
  });
}

function bodyOf(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw headerNotImplemented('Body', 'a streamed body is not answered by the scripted S3 objects');
}

/** S3 objects by bucket and key. */
export class ScriptedObjects {
  private readonly objects = new Map<string, ScriptedObject>();

  /** @param now the clock objects are written by, in ms since the epoch */
  constructor(private readonly now: () => number) {}

  /** The object at `bucket`/`key`, or undefined. */
  get(bucket: string, key: string): ScriptedObject | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  /** Every stored object's `bucket/key`, sorted (what a test counts as left behind). */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** Answers one S3 operation with the SDK's input members; an operation it does not answer is refused. */
  answer(operation: string, input: Input): Input {
    const members = MEMBERS[operation];
    if (members === undefined) {
      throw headerNotImplemented('operation', `S3 ${operation} is not answered by the scripted S3 objects`);
    }
    for (const [member, value] of Object.entries(input)) {
      if (value !== undefined && !members.has(member)) {
        throw headerNotImplemented(member, `${member} on ${operation} is not answered by the scripted S3 objects`);
      }
    }
    const bucket = String(input.Bucket);
    const key = String(input.Key);
    const id = `${bucket}/${key}`;
    if (operation === 'GetObject') {
      const found = this.objects.get(id);
      if (!found) throw new ServiceError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
      return {
        Body: sdkBody(found.body),
        ETag: found.etag,
        ContentLength: found.body.length,
        LastModified: found.lastModified,
        ...(found.contentType !== undefined ? { ContentType: found.contentType } : {}),
      };
    }
    const condition = writeConditionOf(
      {
        ...(input.IfNoneMatch !== undefined ? { 'if-none-match': String(input.IfNoneMatch) } : {}),
        ...(input.IfMatch !== undefined ? { 'if-match': String(input.IfMatch) } : {}),
      },
      operation,
    );
    if (condition) checkCondition(condition, this.objects.get(id), key);
    const body = bodyOf(input.Body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const contentType = input.ContentType === undefined ? undefined : String(input.ContentType);
    this.objects.set(id, { body, etag, contentType, lastModified: new Date(this.now()) });
    return { ETag: etag };
  }
}
