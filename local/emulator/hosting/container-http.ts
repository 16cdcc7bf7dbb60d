/**
 * The emulator's HTTP/1.1 client for the calls it makes to model containers (`/invocations`, the multi-model
 * `/models` API): kept-alive connections per container, one request at a time on each (no pipelining), the request
 * written in one system call, and the answer parsed by a small parser of its own. Node's `http.request` costs more
 * CPU per call than the model server it calls does to answer (measured with `npm run bench -- emulator-invoke`), and
 * that overhead is what a load test through the emulator would have measured instead of the model.
 *
 * What it reads of an answer: the status line, the headers (names lower-cased; repeated headers joined with `, `),
 * and a body delimited by `Content-Length`, `Transfer-Encoding: chunked` (extensions and trailers skipped) or the end
 * of the connection; no body for 1xx, 204 and 304. Interim 1xx answers (`100 Continue`) are skipped. A connection is
 * reused unless the answer says `Connection: close` or is HTTP/1.0 without keep-alive.
 *
 * What it saves per call: answers are read through `onread` into one buffer shared by every connection (no buffer
 * allocated and no Readable stream per read; the bytes kept are copied out), and an answer head byte for byte the
 * same as the container's last one is not read again (the pool keeps its reading: a model server answers with the
 * same head until its Date or Content-Length changes).
 */
import { connect, type Socket } from 'node:net';
import type { ContainerResponse } from './container.ts';

/** Where a container is reached: a TCP port on 127.0.0.1, or (isolation mode) a relay's unix socket. */
type ContainerAddress = { host: string; port: number } | { socketPath: string };

/** Why a call got no answer: the connection failed or closed, or the time ran out. */
export class ContainerConnectionFailure extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'ContainerConnectionFailure';
  }
}

/** How long an idle connection is kept: less than common model servers' own keep-alive windows (gunicorn: 2 s). */
const IDLE_MS = 1000;
/** Idle connections kept per container at most. */
const MAX_IDLE = 64;
/** A head (status line and headers) larger than this is refused, like Node's default header limit. */
const MAX_HEAD_BYTES = 16 * 1024;

/** A body up to this size is sent in one write with the head; a larger one is written after it, not copied. */
const ONE_WRITE_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');
/**
 * Where every connection's reads land (net.connect's `onread`): one buffer for all, since each read is handled, and
 * what is kept of it copied, before the next read happens.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const HEAD_END = Buffer.from('\r\n\r\n');
const HEADER_VALUE_FORBIDDEN = /[\r\n\0]/;
/** Headers the client writes itself, whatever the caller passes. */
const MANAGED_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

type BodyMode = 'none' | 'length' | 'chunked' | 'close';

interface Call {
  resolve(response: ContainerResponse): void;
  reject(error: ContainerConnectionFailure): void;
  timer: NodeJS.Timeout;
  /** The connection was reused from the pool (a failure before any answer byte may be a stale connection). */
  reused: boolean;
  received: boolean;
  retry?: () => void;
}

/** What an answer's head says: its status and headers, whether the connection stays open, how its body ends. */
interface AnswerHead {
  status: number;
  /** Names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  keepAlive: boolean;
  mode: BodyMode;
  /** The body's length, for mode `length`. */
  length: number;
}

/** Reads a status line and headers; undefined for an interim (1xx) answer, which is skipped. */
function readAnswerHead(head: string): AnswerHead | undefined {
  const lines = head.split('\r\n');
  const statusLine = lines[0] ?? '';
  const match = /^HTTP\/1\.([01]) (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`the container answered something that is not HTTP/1.x: ${statusLine.slice(0, 80)}`);
  const status = Number(match[2]);
  if (status >= 100 && status < 200 && status !== 101) return undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous}, ${value}`;
  }
  const connection = (headers.connection ?? '').toLowerCase();
  let keepAlive = match[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  const transferEncoding = (headers['transfer-encoding'] ?? '').toLowerCase();
  let mode: BodyMode;
  let length = 0;
  if (status === 204 || status === 304) mode = 'none';
  else if (transferEncoding.includes('chunked')) mode = 'chunked';
  else if (headers['content-length'] !== undefined) {
    length = Number(headers['content-length']);
    if (!Number.isSafeInteger(length) || length < 0) throw new Error('the container answered a bad Content-Length');
    mode = 'length';
  } else {
    mode = 'close';
    keepAlive = false;
  }
  return { status, headers, keepAlive, mode, length };
}

/** One kept-alive connection and the parser of the answer in progress on it. */
class Connection {
  call: Call | undefined;
  idleSince = 0;
  private pending: Buffer | undefined;
  private state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' = 'head';
  private status = 0;
  private headers: Record<string, string> = {};
  private mode: BodyMode = 'none';
  private remaining = 0;
  private chunks: Buffer[] = [];
  private keepAlive = true;
  closed = false;

  readonly socket: Socket;

  constructor(
    address: ContainerAddress,
    private readonly pool: ContainerConnections,
  ) {
    // Read into the one shared buffer (net.connect's `onread`), not through the socket's Readable stream: no buffer
    // allocated per read, no stream machinery per answer. What is kept of a read is copied out of it (onRead).
    const onread = { buffer: READ_BUFFER, callback: (length: number) => this.onRead(length) };
    const socket =
      'socketPath' in address
        ? connect({ path: address.socketPath, onread })
        : connect({ port: address.port, host: address.host, onread });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', (err) => this.onClose(err.message));
    socket.on('close', () => this.onClose('the connection was closed before the container answered'));
    socket.on('end', () => socket.end());
  }

  /** Sends one request; the answer settles the call. */
  send(call: Call, head: Buffer, body: Buffer): void {
    this.call = call;
    this.state = 'head';
    this.status = 0;
    this.headers = {};
    this.chunks = [];
    this.keepAlive = true;
    if (body.length > ONE_WRITE_BYTES) {
      this.socket.cork();
      this.socket.write(head);
      this.socket.write(body);
      this.socket.uncork();
    } else {
      // One buffer, one write (the small body copied): cheaper than a writev of the head and the body.
      this.socket.write(body.length === 0 ? head : Buffer.concat([head, body], head.length + body.length));
    }
  }

  private onClose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.forget(this);
    const call = this.call;
    this.call = undefined;
    if (!call) return;
    if (this.state === 'body' && this.mode === 'close') {
      if (this.pending) this.chunks.push(this.pending);
      this.finish(call);
      return;
    }
    clearTimeout(call.timer);
    // A reused connection that the container had closed just before this request: nothing of it was answered.
    if (call.reused && !call.received && call.retry) {
      call.retry();
      return;
    }
    call.reject(new ContainerConnectionFailure(reason, false));
  }

  /** Closes the connection for good; the call in progress, if any, fails with `reason` (never retried). */
  shutdown(reason: string): void {
    const call = this.call;
    this.call = undefined;
    this.closed = true;
    this.socket.destroy();
    if (call) {
      clearTimeout(call.timer);
      call.reject(new ContainerConnectionFailure(reason, false));
    }
  }

  private fail(message: string): void {
    const call = this.call;
    this.call = undefined;
    this.closed = true;
    this.pool.forget(this);
    this.socket.destroy();
    if (call) {
      clearTimeout(call.timer);
      call.reject(new ContainerConnectionFailure(message, false));
    }
  }

  /** `length` bytes have arrived in READ_BUFFER: they are copied out (the next read, on any connection, overwrites it). */
  private onRead(length: number): boolean {
    const data = Buffer.allocUnsafe(length);
    READ_BUFFER.copy(data, 0, 0, length);
    this.onData(data);
    return true; // keep reading
  }

  private onData(data: Buffer): void {
    const call = this.call;
    if (!call) {
      // Bytes nobody asked for: the connection cannot be trusted any more.
      this.fail('the container sent data without a request');
      return;
    }
    call.received = true;
    this.pending = this.pending === undefined || this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    try {
      this.parse();
    } catch (err) {
      this.fail((err as Error).message);
    }
  }

  private parse(): void {
    for (;;) {
      const buffer = this.pending;
      if (buffer === undefined || this.call === undefined) return;
      switch (this.state) {
        case 'head': {
          const end = buffer.indexOf(HEAD_END);
          if (end < 0) {
            if (buffer.length > MAX_HEAD_BYTES) throw new Error('the container answered an oversized header');
            return;
          }
          this.pending = buffer.subarray(end + 4);
          const head = this.pool.readHead(buffer, end);
          if (head === undefined) continue; // an interim 1xx answer
          this.status = head.status;
          this.headers = head.headers;
          this.keepAlive = head.keepAlive;
          this.mode = head.mode;
          this.remaining = head.length;
          if (this.mode === 'none' || (this.mode === 'length' && this.remaining === 0)) {
            this.complete();
            return;
          }
          this.state = this.mode === 'chunked' ? 'chunk-size' : 'body';
          break;
        }
        case 'body': {
          if (buffer.length === 0) return;
          if (this.mode === 'close') {
            this.chunks.push(buffer);
            this.pending = undefined;
            return;
          }
          const take = Math.min(this.remaining, buffer.length);
          this.chunks.push(take === buffer.length ? buffer : buffer.subarray(0, take));
          this.pending = buffer.subarray(take);
          this.remaining -= take;
          if (this.remaining === 0) {
            this.complete();
            return;
          }
          break;
        }
        case 'chunk-size': {
          const end = buffer.indexOf(CRLF);
          if (end < 0) {
            if (buffer.length > 1024) throw new Error('the container answered a malformed chunked body');
            return;
          }
          const line = buffer.toString('latin1', 0, end);
          const semicolon = line.indexOf(';');
          const size = Number.parseInt(semicolon < 0 ? line : line.slice(0, semicolon), 16);
          if (!Number.isFinite(size) || size < 0) throw new Error('the container answered a malformed chunked body');
          this.pending = buffer.subarray(end + 2);
          this.remaining = size;
          this.state = size === 0 ? 'trailer' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          if (buffer.length === 0) return;
          const take = Math.min(this.remaining, buffer.length);
          this.chunks.push(take === buffer.length ? buffer : buffer.subarray(0, take));
          this.pending = buffer.subarray(take);
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'chunk-crlf';
          break;
        }
        case 'chunk-crlf': {
          if (buffer.length < 2) return;
          if (buffer[0] !== 13 || buffer[1] !== 10) throw new Error('the container answered a malformed chunked body');
          this.pending = buffer.subarray(2);
          this.state = 'chunk-size';
          break;
        }
        case 'trailer': {
          const end = buffer.indexOf(CRLF);
          if (end < 0) return;
          this.pending = buffer.subarray(end + 2);
          if (end === 0) {
            this.complete();
            return;
          }
          break;
        }
      }
    }
  }

  private complete(): void {
    const call = this.call as Call;
    this.call = undefined;
    const leftover = this.pending !== undefined && this.pending.length > 0;
    this.pending = undefined;
    if (this.keepAlive && !leftover) this.pool.release(this);
    else {
      this.closed = true;
      this.pool.forget(this);
      this.socket.destroy();
    }
    this.finish(call);
  }

  private finish(call: Call): void {
    clearTimeout(call.timer);
    const chunks = this.chunks;
    this.chunks = [];
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    call.resolve({ status: this.status, headers: this.headers, body });
  }
}

/** The kept-alive connections to one container. */
export class ContainerConnections {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  /** The last answer head read (see readHead), and what it said. */
  private lastHeadBytes: Buffer | undefined;
  private lastHead: AnswerHead | undefined;

  constructor(private readonly address: () => ContainerAddress) {}

  /** Sends one request and resolves with the container's answer; rejects with ContainerConnectionFailure. */
  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    timeoutMs: number,
  ): Promise<ContainerResponse> {
    return new Promise((resolve, reject) => {
      // Inside the executor: a header that cannot be sent rejects the call.
      const head = this.head(method, path, headers, body.length);
      let connection: Connection | undefined;
      const call: Call = {
        resolve,
        reject,
        reused: false,
        received: false,
        timer: setTimeout(() => {
          if (connection) this.abandon(connection, call);
          reject(new ContainerConnectionFailure('timed out', true));
        }, timeoutMs),
      };
      const start = (reuse: boolean) => {
        connection = reuse ? this.takeIdle() : undefined;
        call.reused = connection !== undefined;
        call.received = false;
        if (call.reused) {
          call.retry = () => start(false);
        } else {
          delete call.retry;
          connection = this.open();
        }
        (connection as Connection).send(call, head, body);
      };
      start(true);
    });
  }

  /**
   * The answer head in `buffer` up to `end` (readAnswerHead), or its reading of the same bytes last time: a container
   * answers with the same head again and again (its Date changes once a second), and reading it is a pure function
   * of its bytes. The headers read are frozen, as the answers of that head share them.
   */
  readHead(buffer: Buffer, end: number): AnswerHead | undefined {
    const last = this.lastHeadBytes;
    if (last !== undefined && last.length === end && buffer.compare(last, 0, end, 0, end) === 0) return this.lastHead;
    const head = readAnswerHead(buffer.toString('latin1', 0, end));
    if (head !== undefined) {
      Object.freeze(head.headers);
      this.lastHeadBytes = Buffer.from(buffer.subarray(0, end));
      this.lastHead = head;
    }
    return head;
  }

  /** Closes every connection (the container has stopped); a call still waiting for its answer fails. */
  close(): void {
    for (const connection of this.all) connection.shutdown('the container stopped before it answered');
    this.all.clear();
    this.idle.length = 0;
  }

  /** Gives up the call in progress on `connection` (its time ran out): the connection cannot be reused. */
  private abandon(connection: Connection, call: Call): void {
    if (connection.call === call) connection.call = undefined;
    connection.closed = true;
    this.forget(connection);
    connection.socket.destroy();
  }

  /** Puts a connection whose answer is complete back into the pool. */
  release(connection: Connection): void {
    if (this.idle.length >= MAX_IDLE) {
      connection.closed = true;
      this.all.delete(connection);
      connection.socket.destroy();
      return;
    }
    connection.idleSince = performance.now();
    this.idle.push(connection);
  }

  /** Drops a connection that closed or failed. */
  forget(connection: Connection): void {
    this.all.delete(connection);
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
  }

  private takeIdle(): Connection | undefined {
    const now = performance.now();
    for (;;) {
      const connection = this.idle.pop();
      if (!connection) return undefined;
      if (!connection.closed && now - connection.idleSince < IDLE_MS) return connection;
      connection.closed = true;
      this.all.delete(connection);
      connection.socket.destroy();
    }
  }

  private open(): Connection {
    const connection = new Connection(this.address(), this);
    this.all.add(connection);
    return connection;
  }

  private head(method: string, path: string, headers: Record<string, string>, length: number): Buffer {
    const address = this.address();
    const host = 'socketPath' in address ? 'localhost' : `${address.host}:${address.port}`;
    let text = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
    for (const name in headers) {
      if (MANAGED_HEADERS.has(name.toLowerCase())) continue;
      const value = headers[name] as string;
      if (HEADER_VALUE_FORBIDDEN.test(value) || HEADER_VALUE_FORBIDDEN.test(name)) {
        throw new ContainerConnectionFailure(`the header ${JSON.stringify(name)} holds a line break`, false);
      }
      text += `${name}: ${value}\r\n`;
    }
    text += `Content-Length: ${length}\r\n\r\n`;
    return Buffer.from(text, 'latin1');
  }
}
