/**
 * Sends prepared InvokeEndpoint requests over kept-alive HTTP/1.1 connections (TCP, or TLS for https), one request
 * in flight per connection: each request is written in one piece and its answer read by a minimal parser (status
 * line, Content-Length or chunked body), because node:http's per-request work would cap a load test of a fast
 * model at about half of what a tuned load tool sends (bench/load-generator.ts measures both). Each answer is
 * classified as the SDK would name it: the HTTP status, SageMaker's error code (the `x-amzn-ErrorType` header, else
 * the body's `__type` or `code`), a ModelError's original status, throttling (429 or ThrottlingException), or a
 * client-side failure (a timeout, a reset or refused connection) that got no answer at all.
 */
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { PreparedRequest } from './signed-requests.ts';

/** How one request ended. */
export interface Answer {
  /** The HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;
  /** Why it failed: SageMaker's error code, `ModelError <status>`, or a client-side failure; undefined for 2xx. */
  readonly error: string | undefined;
  readonly throttled: boolean;
}

/** Bytes of an error answer kept to find its code. */
const MAX_ERROR_BODY = 64 * 1024;
/** The most header bytes an answer may have. */
const MAX_HEAD = 64 * 1024;

const OK: Answer = { status: 200, error: undefined, throttled: false };
/** What a request gets from a closed sender: it is not sent. */
export const CLOSED: Answer = { status: undefined, error: 'SenderClosed', throttled: false };

/** SageMaker's error code, as the SDK reads it (`Code:namespace` and `ns#Code` cut to `Code`). */
function errorCode(errorType: string | undefined, body: string): string | undefined {
  const clean = (value: string) => value.split(':')[0]?.split('#').at(-1)?.trim() || undefined;
  if (errorType !== undefined && errorType !== '') return clean(errorType);
  try {
    const parsed = JSON.parse(body) as { __type?: unknown; code?: unknown; Code?: unknown };
    const code = parsed.__type ?? parsed.code ?? parsed.Code;
    return typeof code === 'string' ? clean(code) : undefined;
  } catch {
    return undefined;
  }
}

/** The answer to a non-2xx response with this `x-amzn-ErrorType` header and (start of) body. */
function classifyError(status: number, errorType: string | undefined, body: string): Answer {
  const code = errorCode(errorType, body);
  const throttled = status === 429 || code === 'ThrottlingException';
  if (code === 'ModelError') {
    let original: unknown;
    try {
      original = (JSON.parse(body) as { OriginalStatusCode?: unknown }).OriginalStatusCode;
    } catch {
      original = undefined;
    }
    return { status, error: typeof original === 'number' ? `ModelError ${original}` : 'ModelError', throttled };
  }
  return { status, error: code ?? `HTTP ${status}`, throttled };
}

/**
 * How one answer ended, from its HTTP status, its `x-amzn-ErrorType` header and (the start of) its body: a 2xx is a
 * success, anything else an error classified as above.
 */
export function answerOf(status: number, errorType: string | undefined, body: string): Answer {
  if (status >= 200 && status < 300) return status === 200 ? OK : { status, error: undefined, throttled: false };
  return classifyError(status, errorType, body);
}

/** A client-side failure's name: the socket error's code, or its name. */
function failureName(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  return error instanceof Error && error.name !== 'Error' ? error.name : 'ClientError';
}

/** The bytes of a request, head and body, as one buffer (built once for each prepared request). */
const wire = new WeakMap<PreparedRequest, Buffer>();
function bytesOf(request: PreparedRequest): Buffer {
  let bytes = wire.get(request);
  if (bytes === undefined) {
    let head = `POST ${request.path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(request.headers)) head += `${name}: ${value}\r\n`;
    bytes = Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), request.body]);
    wire.set(request, bytes);
  }
  return bytes;
}

type Socket = ReturnType<typeof tcpConnect>;

/** One kept-alive connection, one request at a time. */
class Connection {
  private socket: Socket | undefined;
  private pending: ((answer: Answer, reusable: boolean) => void) | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  /** The answer being read: its status, error header and body framing, once its head is in. */
  private head:
    | { status: number; errorType: string | undefined; length: number; chunked: boolean; close: boolean }
    | undefined;
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly request: PreparedRequest) {}

  private open(): Socket {
    const { protocol, hostname, port } = this.request;
    const socket =
      protocol === 'https:'
        ? tlsConnect({ host: hostname, port, servername: hostname })
        : tcpConnect({ host: hostname, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    const lost = (error?: Error) => {
      if (this.socket === socket) this.socket = undefined;
      this.finish({ status: undefined, error: error ? failureName(error) : 'ECONNRESET', throttled: false }, false);
    };
    socket.on('error', lost);
    socket.on('close', () => lost());
    return socket;
  }

  /** Sends `request` on this connection (opening it first when needed); resolves with how it ended and whether the connection can be used again. */
  send(request: PreparedRequest, timeoutMs: number): Promise<{ answer: Answer; reusable: boolean }> {
    return new Promise((resolve) => {
      this.socket ??= this.open();
      const socket = this.socket;
      // One timer a connection, restarted for each request (Timeout.refresh() also restarts one that has fired);
      // it does nothing when it fires with no request in flight.
      if (this.timer === undefined) {
        this.timer = setTimeout(() => {
          if (this.pending === undefined) return;
          this.finish({ status: undefined, error: 'Timeout', throttled: false }, false);
          this.socket?.destroy();
          this.socket = undefined;
        }, timeoutMs);
      } else this.timer.refresh();
      this.pending = (answer, reusable) => resolve({ answer, reusable });
      socket.write(bytesOf(request));
    });
  }

  private finish(answer: Answer, reusable: boolean): void {
    const pending = this.pending;
    this.pending = undefined;
    this.buffer = Buffer.alloc(0);
    this.head = undefined;
    this.body = [];
    this.bodyBytes = 0;
    pending?.(answer, reusable);
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.head === undefined) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffer.length > MAX_HEAD) this.fail('an answer head over 64 KiB');
        return;
      }
      // Only the fields that frame the answer or name its error are read, without splitting the head.
      const text = this.buffer.toString('latin1', 0, end);
      const status = /^HTTP\/1\.[01] \d{3}/.test(text) ? Number(text.slice(9, 12)) : Number.NaN;
      if (Number.isNaN(status)) {
        this.fail('an answer that is not HTTP/1.1');
        return;
      }
      const lower = text.toLowerCase();
      const header = (name: string) => {
        const at = lower.indexOf(`\r\n${name}:`);
        if (at < 0) return undefined;
        const from = at + name.length + 3;
        const to = lower.indexOf('\r\n', from);
        return text.slice(from, to < 0 ? undefined : to).trim();
      };
      const length = Number(header('content-length') ?? 0);
      const chunked = header('transfer-encoding')?.toLowerCase().includes('chunked') ?? false;
      const close = header('connection')?.toLowerCase() === 'close';
      const errorType = status >= 200 && status < 300 ? undefined : header('x-amzn-errortype');
      this.head = { status, errorType, length, chunked, close };
      this.buffer = this.buffer.subarray(end + 4);
    }
    if (this.head.chunked) this.readChunks();
    else if (this.buffer.length >= this.head.length) {
      this.keep(this.buffer.subarray(0, this.head.length));
      this.done();
    }
  }

  /** Reads the chunks of a chunked body that have arrived; done after the last (empty) one and its blank line. */
  private readChunks(): void {
    for (;;) {
      const lineEnd = this.buffer.indexOf('\r\n');
      if (lineEnd < 0) return;
      const size = Number.parseInt(this.buffer.toString('latin1', 0, lineEnd), 16);
      if (Number.isNaN(size)) {
        this.fail('a malformed chunk');
        return;
      }
      // The last chunk, then the blank line that ends the (ignored) trailers.
      if (size === 0) {
        if (this.buffer.length >= lineEnd + 4) this.done();
        return;
      }
      if (this.buffer.length < lineEnd + 2 + size + 2) return;
      this.keep(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.buffer = this.buffer.subarray(lineEnd + 2 + size + 2);
    }
  }

  /** Keeps the start of an error answer's body (a success's body is not kept). */
  private keep(part: Buffer): void {
    const head = this.head;
    if (head === undefined || (head.status >= 200 && head.status < 300) || this.bodyBytes >= MAX_ERROR_BODY) return;
    this.body.push(part);
    this.bodyBytes += part.length;
  }

  private done(): void {
    const head = this.head;
    if (head === undefined) return;
    const body = this.bodyBytes === 0 ? '' : Buffer.concat(this.body).toString('utf8');
    this.finish(answerOf(head.status, head.errorType, body), !head.close);
  }

  private fail(what: string): void {
    this.finish({ status: undefined, error: 'BadResponse', throttled: false }, false);
    this.socket?.destroy(new Error(what));
    this.socket = undefined;
  }

  close(): void {
    // Forgotten too: refresh() would start a cleared timer again.
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.destroy();
    this.socket = undefined;
  }
}

/** Sends requests over kept-alive connections: as many as there are requests in flight, reused as they free up. */
export class HttpSender {
  private closed = false;
  private readonly idle = new Map<string, Connection[]>();
  private readonly all = new Set<Connection>();

  constructor(
    _connections: number,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends `prepared` and resolves with how it ended (never rejects). A kept-alive connection the server closed while
   * idle fails at once with no answer; the request is then sent once more on a new connection.
   */
  async send(prepared: PreparedRequest): Promise<Answer> {
    if (this.closed) return CLOSED;
    const key = `${prepared.protocol}//${prepared.hostname}:${prepared.port}`;
    const reused = this.idle.get(key)?.pop();
    const answer = await this.sendOn(reused ?? new Connection(prepared), key, prepared);
    // A connection close() ended is not stale: the request is not sent again once the sender is closed.
    const stale = !this.closed && reused !== undefined && answer.status === undefined && answer.error !== 'Timeout';
    return stale ? this.sendOn(new Connection(prepared), key, prepared) : answer;
  }

  private async sendOn(connection: Connection, key: string, prepared: PreparedRequest): Promise<Answer> {
    this.all.add(connection);
    const { answer, reusable } = await connection.send(prepared, this.timeoutMs);
    if (reusable && !this.closed) {
      const free = this.idle.get(key) ?? [];
      free.push(connection);
      this.idle.set(key, free);
    } else {
      connection.close();
      this.all.delete(connection);
    }
    return answer;
  }

  /**
   * Closes every connection; a request in flight ends as the connection does, and a request sent afterwards ends at
   * once, unsent (CLOSED): nothing the sender started outlives it (a retried request's connection and its timer
   * kept `smwf run LoadTestEndpoint` alive for a minute after its output).
   */
  close(): void {
    this.closed = true;
    for (const connection of this.all) connection.close();
    this.all.clear();
    this.idle.clear();
  }
}
