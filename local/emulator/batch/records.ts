/**
 * SageMaker's batch transform data rules, as pure functions: splitting an object into records (Line, RecordIO,
 * None), packing records into mini-batches, the JSONPath forms of InputFilter/OutputFilter, and JoinSource Input.
 */

/** How an object is cut into records. */
export type SplitType = 'None' | 'Line' | 'RecordIO';

/** The payload format the filters and the join understand, from TransformInput.ContentType. */
type RecordFormat = 'csv' | 'json' | 'other';

/** MXNet RecordIO: every record starts with this magic number (little-endian), then a length word. */
const RECORDIO_MAGIC = 0xced7230a;
const NEWLINE = 0x0a;

/** The record format of a content type: CSV and JSON (Lines) can be filtered and joined. */
export function recordFormat(contentType: string | undefined): RecordFormat {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/csv') return 'csv';
  if (type === 'application/json' || type === 'application/jsonlines' || type === 'application/x-jsonlines')
    return 'json';
  return 'other';
}

/** A record could not be read (a broken RecordIO header, say); the object fails. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

/**
 * Cuts a byte stream into records. Line: each non-empty line, without its line break (a CR before it is kept
 * out too). RecordIO: each record with its header and padding, as the container expects to parse it again.
 * None: the whole object.
 */
export async function* splitRecords(source: AsyncIterable<Buffer>, split: SplitType): AsyncGenerator<Buffer> {
  if (split === 'None') {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(chunk);
    yield Buffer.concat(chunks);
    return;
  }
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let start = 0;
    if (split === 'Line') {
      for (let nl = pending.indexOf(NEWLINE, start); nl >= 0; nl = pending.indexOf(NEWLINE, start)) {
        const line = trimCr(pending.subarray(start, nl));
        if (line.length > 0) yield line;
        start = nl + 1;
      }
    } else {
      for (let size = recordIoSize(pending, start); size !== undefined; size = recordIoSize(pending, start)) {
        yield pending.subarray(start, start + size);
        start += size;
      }
    }
    pending = pending.subarray(start);
  }
  if (pending.length === 0) return;
  if (split === 'RecordIO') throw new RecordError(`truncated RecordIO record (${pending.length} bytes left over)`);
  const last = trimCr(pending);
  if (last.length > 0) yield last;
}

function trimCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line;
}

/** Bytes of the RecordIO record at `offset` (header + data + padding to 4 bytes), or undefined if incomplete. */
function recordIoSize(buffer: Buffer, offset: number): number | undefined {
  if (buffer.length - offset < 8) return undefined;
  if (buffer.readUInt32LE(offset) !== RECORDIO_MAGIC) {
    throw new RecordError(`invalid RecordIO magic number at byte ${offset}`);
  }
  const length = buffer.readUInt32LE(offset + 4) & ((1 << 29) - 1);
  const size = 8 + length + ((4 - (length % 4)) % 4);
  return buffer.length - offset >= size ? size : undefined;
}

/** Writes one RecordIO record (header, data, padding): for tests and examples. */
export function encodeRecordIo(data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(RECORDIO_MAGIC, 0);
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
}

/** One request body and how many records it holds. */
export interface MiniBatch {
  count: number;
  body: Buffer;
}

/** A record alone exceeds MaxPayloadInMB; SageMaker cannot send it. */
export class PayloadTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

/** The request body of some records: Line records each end with a line break, others are concatenated. */
function batchBody(records: readonly Buffer[], split: SplitType): Buffer {
  if (split !== 'Line') return records.length === 1 ? (records[0] as Buffer) : Buffer.concat(records);
  const parts: Buffer[] = [];
  for (const record of records) parts.push(record, NEWLINE_BUFFER);
  return Buffer.concat(parts);
}

const NEWLINE_BUFFER = Buffer.from('\n');

/**
 * Packs records into mini-batches: SingleRecord sends each alone; MultiRecord packs as many as fit in
 * `maxPayloadBytes` (0 = no limit). Callers run this per object, so no batch spans two objects.
 */
export async function* miniBatches(
  records: AsyncIterable<Buffer>,
  options: { split: SplitType; multiRecord: boolean; maxPayloadBytes: number },
): AsyncGenerator<MiniBatch> {
  const limit = options.maxPayloadBytes === 0 ? Number.POSITIVE_INFINITY : options.maxPayloadBytes;
  const overhead = options.split === 'Line' ? 1 : 0;
  let batch: Buffer[] = [];
  let size = 0;
  for await (const record of records) {
    const recordSize = record.length + overhead;
    if (recordSize > limit) {
      throw new PayloadTooLargeError(
        `a record of ${record.length} bytes exceeds MaxPayloadInMB (${options.maxPayloadBytes / MIB} MB)`,
      );
    }
    if (batch.length > 0 && (!options.multiRecord || size + recordSize > limit)) {
      yield { count: batch.length, body: batchBody(batch, options.split) };
      batch = [];
      size = 0;
    }
    batch.push(record);
    size += recordSize;
  }
  if (batch.length > 0) yield { count: batch.length, body: batchBody(batch, options.split) };
}

/**
 * MultiRecord mini-batches of Line records cut straight from the byte stream (no per-record copies): each
 * batch ends at the last line break that fits in `maxPayloadBytes`. Same batches as `miniBatches` for input
 * without blank lines; used when no filter or join needs the records one by one.
 */
export async function* lineBatches(source: AsyncIterable<Buffer>, maxPayloadBytes: number): AsyncGenerator<MiniBatch> {
  const limit = maxPayloadBytes === 0 ? Number.POSITIVE_INFINITY : maxPayloadBytes;
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length > limit) {
      const cut = pending.lastIndexOf(NEWLINE, limit - 1);
      if (cut < 0) {
        throw new PayloadTooLargeError(`a record exceeds MaxPayloadInMB (${maxPayloadBytes / MIB} MB)`);
      }
      const body = pending.subarray(0, cut + 1);
      yield { count: countLines(body), body };
      pending = pending.subarray(cut + 1);
    }
  }
  if (pending.length === 0) return;
  const body = pending[pending.length - 1] === NEWLINE ? pending : Buffer.concat([pending, NEWLINE_BUFFER]);
  if (body.length > limit) {
    const cut = body.lastIndexOf(NEWLINE, body.length - 2);
    if (cut < 0) throw new PayloadTooLargeError(`a record exceeds MaxPayloadInMB (${maxPayloadBytes / MIB} MB)`);
    yield { count: countLines(body.subarray(0, cut + 1)), body: body.subarray(0, cut + 1) };
    yield { count: countLines(body.subarray(cut + 1)), body: body.subarray(cut + 1) };
    return;
  }
  yield { count: countLines(body), body };
}

function countLines(body: Buffer): number {
  let count = 0;
  for (let i = body.indexOf(NEWLINE); i >= 0; i = body.indexOf(NEWLINE, i + 1)) count++;
  return count;
}

/** Bytes in SageMaker's "MB" of MaxPayloadInMB. */
export const MIB = 1024 * 1024;

// --- JSONPath, in the forms the SageMaker docs show: $, $.a.b, $['a','b'], $[1:], $[0,-1], $[1:3,5] ---

type Selector =
  | { kind: 'key'; key: string }
  | { kind: 'keys'; keys: string[] }
  | { kind: 'indexes'; parts: ({ index: number } | { start?: number; end?: number })[] };

/** A filter expression SageMaker would reject. */
export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

/** Parses a DataProcessing JSONPath expression into selectors applied left to right. */
export function parseJsonPath(expression: string): Selector[] {
  const path = expression.trim();
  if (path === '' || path === '$') return [];
  if (!path.startsWith('$')) throw new JsonPathError(`"${expression}" does not start with $`);
  const selectors: Selector[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const dot = /^\.([A-Za-z_][\w-]*)/.exec(rest);
    if (dot) {
      selectors.push({ kind: 'key', key: dot[1] as string });
      rest = rest.slice(dot[0].length);
      continue;
    }
    const bracket = /^\[([^\]]*)\]/.exec(rest);
    if (!bracket) throw new JsonPathError(`unsupported JSONPath "${expression}"`);
    rest = rest.slice(bracket[0].length);
    const inner = (bracket[1] as string).trim();
    const items = inner.split(',').map((s) => s.trim());
    if (items.every((item) => /^'[^']*'$|^"[^"]*"$/.test(item))) {
      const keys = items.map((item) => item.slice(1, -1));
      selectors.push(keys.length === 1 ? { kind: 'key', key: keys[0] as string } : { kind: 'keys', keys });
      continue;
    }
    const parts = items.map((item) => {
      const slice = /^(-?\d+)?:(-?\d+)?$/.exec(item);
      if (slice) {
        return {
          ...(slice[1] !== undefined ? { start: Number(slice[1]) } : {}),
          ...(slice[2] !== undefined ? { end: Number(slice[2]) } : {}),
        };
      }
      if (/^-?\d+$/.test(item)) return { index: Number(item) };
      throw new JsonPathError(`unsupported JSONPath "${expression}"`);
    });
    selectors.push({ kind: 'indexes', parts });
  }
  return selectors;
}

/** Applies parsed selectors. A single key or index descends; several keys, indexes or a slice select a subset. */
function applyJsonPath(value: unknown, selectors: readonly Selector[]): unknown {
  let current = value;
  for (const selector of selectors) {
    if (selector.kind === 'key') {
      current = isObject(current) ? current[selector.key] : undefined;
    } else if (selector.kind === 'keys') {
      const source = isObject(current) ? current : {};
      current = Object.fromEntries(selector.keys.filter((k) => k in source).map((k) => [k, source[k]]));
    } else {
      const list = Array.isArray(current) ? current : [];
      const only = selector.parts.length === 1 ? selector.parts[0] : undefined;
      if (only && 'index' in only) {
        current = list.at(only.index);
        continue;
      }
      const picked: unknown[] = [];
      for (const part of selector.parts) {
        if ('index' in part) {
          if (list.at(part.index) !== undefined) picked.push(list.at(part.index));
        } else picked.push(...list.slice(part.start ?? 0, part.end ?? list.length));
      }
      current = picked;
    }
  }
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A CSV record as columns (no quoted fields, like the simple CSV the docs' examples use). */
function csvColumns(text: string): string[] {
  return text.split(',');
}

function renderCsv(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** InputFilter on one record: CSV columns or a JSON document, rendered back in the same format. */
export function filterInput(record: Buffer, format: RecordFormat, selectors: readonly Selector[]): Buffer {
  if (selectors.length === 0) return record;
  const text = record.toString('utf8');
  if (format === 'csv') return Buffer.from(renderCsv(applyJsonPath(csvColumns(text), selectors)));
  return Buffer.from(JSON.stringify(applyJsonPath(parseJson(text), selectors) ?? null));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RecordError(`a record is not valid JSON: ${text.slice(0, 80)}`);
  }
}

/**
 * The per-record outputs of a mini-batch answer: one line per record (a trailing line break ignored), or a
 * JSON array with one element per record. Undefined when the answer does not split into `count` records.
 */
export function splitOutputs(body: Buffer, count: number): string[] | undefined {
  const text = body.toString('utf8');
  if (count === 1) return [text.replace(/\r?\n$/, '')];
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length === count) return lines;
  try {
    const parsed = JSON.parse(text) as unknown;
    const list = Array.isArray(parsed) ? parsed : isObject(parsed) ? Object.values(parsed).find(Array.isArray) : [];
    if (Array.isArray(list) && list.length === count) return list.map((v) => JSON.stringify(v));
  } catch {
    // not JSON: the line count decides
  }
  return undefined;
}

/**
 * JoinSource Input for one record, then OutputFilter. CSV: the output columns follow the input columns.
 * JSON: an object input gets the output under `SageMakerOutput`; any other input goes under `SageMakerInput`.
 */
export function joinAndFilter(
  input: Buffer | undefined,
  output: string,
  format: RecordFormat,
  outputSelectors: readonly Selector[],
): string {
  if (format === 'csv') {
    const columns = [...(input ? csvColumns(input.toString('utf8')) : []), ...csvColumns(output)];
    return renderCsv(outputSelectors.length === 0 ? columns : applyJsonPath(columns, outputSelectors));
  }
  let joined: unknown;
  if (input === undefined) joined = parseLoose(output);
  else {
    const source = parseJson(input.toString('utf8'));
    joined = isObject(source)
      ? { ...source, SageMakerOutput: parseLoose(output) }
      : { SageMakerInput: source, SageMakerOutput: parseLoose(output) };
  }
  return JSON.stringify(outputSelectors.length === 0 ? joined : (applyJsonPath(joined, outputSelectors) ?? null));
}

function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
