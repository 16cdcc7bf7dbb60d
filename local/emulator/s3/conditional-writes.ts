/**
 * S3's conditional requests, as the emulator serves them (S3 User Guide, "How to prevent object overwrites with
 * conditional writes"; API reference, PutObject and CompleteMultipartUpload `If-None-Match` / `If-Match`):
 *
 * - `If-None-Match: *` writes only when the key has no object: otherwise `412 PreconditionFailed`.
 * - `If-Match: <ETag>` writes only when the key's object has that ETag: another ETag is `412 PreconditionFailed`,
 *   no object at all is `404 NoSuchKey`.
 * - A write whose key changed (another write or a delete committed) while it was in progress fails with
 *   `409 ConditionalRequestConflict` ("a conflicting operation occurs during the upload"): the client reads the
 *   object again and retries. The condition is checked when the request arrives and again, atomically with the
 *   commit, when the object is stored (serialized per key with every other write and delete of that key).
 *
 * What S3 documents but the emulator does not do is refused with S3's `501 NotImplemented` naming the header,
 * never ignored: conditional copies (`If-Match`/`If-None-Match` on CopyObject, `x-amz-copy-source-if-*`),
 * conditional deletes, date conditions, and conditions on any other operation.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ServiceError } from '../errors.ts';
import type { ObjectMeta } from './store.ts';

/** The precondition of one write. */
export type WriteCondition = { readonly kind: 'absent' } | { readonly kind: 'etag'; readonly etag: string };

/** Checked with the key's object at commit time, under the key's lock; throws to refuse the write. */
export type Precondition = (current: ObjectMeta | undefined) => void;

/** Operations that take `If-Match` / `If-None-Match` as write conditions. */
const CONDITIONAL_WRITES = new Set(['PutObject', 'CompleteMultipartUpload']);
/** Operations that take `If-Match` / `If-None-Match` as read conditions (answered by the GetObject code). */
const CONDITIONAL_READS = new Set(['GetObject', 'HeadObject']);

/** Conditional headers S3 knows that the emulator does not evaluate on any operation. */
const NOT_EMULATED_HEADERS = [
  'if-modified-since',
  'if-unmodified-since',
  'x-amz-if-match-last-modified-time',
  'x-amz-if-match-size',
  'x-amz-copy-source-if-match',
  'x-amz-copy-source-if-none-match',
  'x-amz-copy-source-if-modified-since',
  'x-amz-copy-source-if-unmodified-since',
];

/**
 * S3's own refusal of a header that asks for what it does not do (501 NotImplemented, naming the header), saying
 * what the emulator does not emulate: S3's counterpart of errors.ts notEmulated() for the JSON APIs.
 */
export function headerNotImplemented(header: string, why: string): ServiceError {
  return new ServiceError(
    'NotImplemented',
    `A header you provided implies functionality that is not implemented (${why})`,
    501,
    { Header: header },
  );
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

const unquoted = (etag: string) => etag.trim().replace(/^W\//, '').replace(/"/g, '');

/**
 * Refuses the conditional headers (by lower-case name, as a request's `headers`) that `operation` does not
 * emulate, and returns the write condition of a PutObject or CompleteMultipartUpload (undefined when it has none).
 */
export function writeConditionOf(headers: IncomingHttpHeaders, operation: string): WriteCondition | undefined {
  for (const name of NOT_EMULATED_HEADERS) {
    if (header(headers, name) !== undefined)
      throw headerNotImplemented(name, `${name} is not emulated by the smwf local emulator`);
  }
  const ifMatch = header(headers, 'if-match');
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (CONDITIONAL_READS.has(operation)) return undefined;
  const given = ifMatch !== undefined ? 'if-match' : 'if-none-match';
  if (!CONDITIONAL_WRITES.has(operation)) {
    throw headerNotImplemented(
      given,
      `a ${given} condition on ${operation} is not emulated by the smwf local emulator`,
    );
  }
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw headerNotImplemented(
      'if-none-match',
      'if-match and if-none-match together are not emulated by the smwf local emulator',
    );
  }
  if (ifNoneMatch !== undefined) {
    // S3 takes only the asterisk here (API reference: "Expects the '*' (asterisk) character").
    if (ifNoneMatch.trim() !== '*') throw headerNotImplemented('if-none-match', 'a write takes If-None-Match: * only');
    return { kind: 'absent' };
  }
  const etag = unquoted(ifMatch as string);
  if (etag === '' || etag === '*' || etag.includes(',')) {
    throw headerNotImplemented('if-match', 'a write takes If-Match with one ETag only');
  }
  return { kind: 'etag', etag };
}

/** Throws the error S3 answers when `condition` does not hold for the key's object `current` (of that ETag). */
export function checkCondition(
  condition: WriteCondition,
  current: Pick<ObjectMeta, 'etag'> | undefined,
  key: string,
): void {
  if (condition.kind === 'absent') {
    if (current !== undefined) {
      throw new ServiceError(
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        412,
        { Condition: 'If-None-Match' },
      );
    }
    return;
  }
  if (current === undefined) {
    throw new ServiceError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
  }
  if (unquoted(current.etag) !== condition.etag) {
    throw new ServiceError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, {
      Condition: 'If-Match',
    });
  }
}

/**
 * Checks `condition` against the key's object now (`atStart`, when the request arrives) and returns the check
 * the store runs at commit: the key must still hold that very object, else another write or a delete committed
 * while this one was in progress (409 ConditionalRequestConflict).
 */
export function preconditionOf(condition: WriteCondition, atStart: ObjectMeta | undefined, key: string): Precondition {
  checkCondition(condition, atStart, key);
  return (current) => {
    if (current !== atStart) {
      throw new ServiceError(
        'ConditionalRequestConflict',
        'A conflicting operation occurred on this key while the conditional write was in progress; read the object again and retry.',
        409,
        { Key: key },
      );
    }
  };
}

/** Runs tasks one after another per key: the commits and deletes of one key never interleave. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
