/**
 * The invocation lane: InvokeEndpoint (`POST /endpoints/<name>/invocations`) served straight from the socket, without
 * Node's HTTP server. Node's server (an IncomingMessage and a ServerResponse, both streams, per request) costs the
 * emulator more CPU per invocation than the model server it calls spends answering it, and on a busy machine a load
 * test through the emulator measured that instead of the model (`npm run bench -- emulator-invoke`).
 *
 * Every connection starts in the lane. A request is served by the lane only when it is plainly one the lane reads
 * exactly like Node's server would: an HTTP/1.1 `POST` of the invocations path in printable ASCII with no query
 * string, its whole head within 16 KiB, a `Host` header (Node refuses an HTTP/1.1 request without one), at most 2000
 * headers (Node ignores the ones after its maxHeadersCount), header names that are tokens, values without control
 * characters, no header given twice, a `Content-Length` body (none counts as empty) within InvokeEndpoint's 6 MB
 * limit, no `Transfer-Encoding`, `Expect`, `Upgrade` or aws-chunked content encoding, `Connection` absent or
 * `keep-alive`, and not signed for S3. At the first request that is anything else, the lane hands the connection over,
 * with every byte it has not served, to Node's HTTP server, which serves it and the rest of the connection as it
 * serves every other request. So the lane never interprets a request differently; it only skips the generic
 * machinery for the ones it recognises.
 *
 * The lane answers what handleRequest answers (`serveInvocation`: faults, metrics, data capture, errors), in the head
 * Node's server writes for it (the same headers in the same order and spelling, `Date`, `Connection: keep-alive` and
 * `Keep-Alive` included); it closes an idle connection after the server's keep-alive timeout and, as Node's server
 * does, answers a request whose body has not all arrived within the server's requestTimeout of its head with Node's
 * own `408 Request Timeout` and closes the connection.
 *
 * Per request it does no more than it must: a head byte for byte the same as the last one the lane read (a client sends
 * the same head again and again) is not read again, and the socket's timeout is set only when it changes.
 */
import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type HttpAnswer, INVALID_HEADER_VALUE, sigV4Scope } from './http-util.ts';
import { runtimeEndpointName } from './runtime.ts';

/** One invocation the lane has read whole. */
export interface LaneInvocation {
  endpointName: string;
  /** The SigV4 credential scope's region (the default region when unsigned). */
  region: string;
  /** Lower-cased names, values with surrounding blanks removed (as Node's IncomingMessage has them). */
  headers: Record<string, string>;
  body: Buffer;
  /** performance.now() when the request's head had arrived. */
  receivedAt: number;
}

/** Node's default limit on a request head (--max-http-header-size). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Node's default maxHeadersCount: it ignores the headers after it, so the lane leaves such a request to Node. */
const MAX_HEADERS = 2000;
/** What Node's server writes when a request has not arrived whole within its requestTimeout (lib/_http_server.js). */
const REQUEST_TIMEOUT_RESPONSE = Buffer.from('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n');
/**
 * The request line the lane reads: a path of printable ASCII but `?` and `#` (a query or fragment, and any other byte
 * in a target, Node's server judges itself).
 */
const REQUEST_LINE = /^POST (\/[!\x22$->@-~]*) HTTP\/1\.1$/;
/** RFC 9110 token characters: what a header name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^\d{1,10}$/;
/** Request headers whose handling is Node's: the lane hands their requests over. */
const NODE_HANDLES = ['transfer-encoding', 'expect', 'upgrade'];

/** A value without the spaces and tabs around it (RFC 9110 OWS; String.trim would take more). */
function withoutBlanks(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** What the lane reads of a request head: the endpoint, the headers and the body's length. */
type RequestHead = Omit<LaneInvocation, 'body' | 'receivedAt'> & { length: number };

/** A request head the lane serves: its endpoint, headers and body length; undefined for one Node must serve. */
function readHead(head: string, maxBody: number): RequestHead | undefined {
  const lines = head.split('\r\n');
  if (lines.length - 1 > MAX_HEADERS) return undefined;
  const target = REQUEST_LINE.exec(lines[0] as string)?.[1];
  const endpointName = target === undefined ? undefined : runtimeEndpointName('POST', target);
  if (endpointName === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const value = withoutBlanks(line.slice(colon + 1));
    if (INVALID_HEADER_VALUE.test(value)) return undefined;
    const key = name.toLowerCase();
    if (headers[key] !== undefined) return undefined;
    headers[key] = value;
  }
  for (const name of NODE_HANDLES) if (headers[name] !== undefined) return undefined;
  if (headers.host === undefined) return undefined;
  const connection = headers.connection;
  if (connection !== undefined && connection.toLowerCase() !== 'keep-alive') return undefined;
  const contentLength = headers['content-length'];
  if (contentLength !== undefined && !DIGITS.test(contentLength)) return undefined;
  const length = contentLength === undefined ? 0 : Number(contentLength);
  if (length > maxBody) return undefined;
  // aws-chunked bodies are decoded by the generic path (http-util.ts payloadStream).
  const sha = headers['x-amz-content-sha256'];
  const encoding = headers['content-encoding'];
  if (sha?.startsWith('STREAMING-') || encoding?.includes('aws-chunked')) return undefined;
  const scope = sigV4Scope(headers.authorization, () => null);
  if (scope.service === 's3') return undefined;
  return { endpointName, region: scope.region, headers, length };
}

let dateText = '';
let dateSecond = -1;
/** The Date header's value, computed once a second. */
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** One connection while the lane serves it. */
class LaneConnection {
  private pending: Buffer | undefined;
  /** The request whose body is still arriving. */
  private awaiting: (RequestHead & { bodyStart: number; receivedAt: number }) | undefined;
  busy = false;
  private readonly onData = (data: Buffer) => this.receive(data);
  private readonly onError = () => this.socket.destroy();
  /** The timeout now set on the socket (ms; 0: none): set again only when it changes, not per request. */
  private armedMs = 0;
  private readonly onTimeout = () => {
    // Serving: the connection is not idle. The timer has run out, so the next wait for a request arms it again.
    if (this.busy) {
      this.armedMs = 0;
      return;
    }
    // A body still arriving at the request timeout: Node's answer, then the connection closes.
    if (this.awaiting !== undefined) this.socket.end(REQUEST_TIMEOUT_RESPONSE);
    else this.socket.destroy();
  };
  private readonly onClose = () => this.lane.forget(this);

  constructor(
    readonly socket: Socket,
    private readonly lane: InvocationLane,
  ) {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.setTimeout(lane.keepAliveMs, this.onTimeout);
    this.armedMs = lane.keepAliveMs;
  }

  /**
   * Sets the socket's timeout to `ms` unless it is set to that already. Between requests and while one is served it
   * is the keep-alive timeout, which Node's socket restarts at each read and write: so it runs from the last answer,
   * and an expiry while an answer is being made is ignored (onTimeout).
   */
  private arm(ms: number): void {
    if (ms === this.armedMs) return;
    this.armedMs = ms;
    this.socket.setTimeout(ms);
  }

  /** True between requests: nothing served, nothing of a next request received. */
  get idle(): boolean {
    return !this.busy && (this.pending === undefined || this.pending.length === 0);
  }

  private receive(data: Buffer): void {
    this.pending = this.pending === undefined || this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    if (this.busy) {
      // A pipelined request: it waits, and so does the socket, until the answer in progress is written.
      this.socket.pause();
      return;
    }
    this.next();
  }

  /** Serves the next complete request in the buffer, waits for more bytes, or hands the connection to Node. */
  private next(): void {
    const buffer = this.pending;
    if (buffer === undefined || buffer.length === 0) {
      this.arm(this.lane.keepAliveMs);
      return;
    }
    let request = this.awaiting;
    if (request === undefined) {
      const end = buffer.indexOf(HEAD_END);
      // A head in pieces, or too large: Node's server reads it (and answers 431 to the latter).
      if (end < 0 || end > MAX_HEAD_BYTES) {
        this.handOver();
        return;
      }
      const head = this.lane.readHead(buffer, end);
      if (head === undefined) {
        this.handOver();
        return;
      }
      request = { ...head, bodyStart: end + 4, receivedAt: performance.now() };
    }
    const bodyEnd = request.bodyStart + request.length;
    if (buffer.length < bodyEnd) {
      this.awaiting = request;
      // Node's requestTimeout runs from the request's start (0: none), whatever bytes arrive meanwhile.
      const limit = this.lane.requestTimeoutMs;
      // (Set at every piece: the socket would otherwise restart it at each read.)
      this.armedMs = -1;
      this.arm(limit === 0 ? 0 : Math.max(1, limit - (performance.now() - request.receivedAt)));
      return;
    }
    this.awaiting = undefined;
    this.pending = buffer.subarray(bodyEnd);
    this.busy = true;
    this.arm(this.lane.keepAliveMs);
    const { endpointName, region, headers, receivedAt } = request;
    const body = buffer.subarray(request.bodyStart, bodyEnd);
    this.lane.serve({ endpointName, region, headers, body, receivedAt }).then(
      (answer) => this.answer(answer),
      () => this.socket.destroy(),
    );
  }

  private answer(answer: HttpAnswer): void {
    this.busy = false;
    if (this.socket.destroyed) return;
    const closing = this.lane.closing;
    // The head Node's ServerResponse writes for send() (http-util.ts): the headers given, content-length last of
    // them, then the ones Node adds (Date, Connection, Keep-Alive), in that order.
    let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'unknown'}\r\n`;
    for (const name in answer.headers) head += `${name}: ${answer.headers[name]}\r\n`;
    head += `content-length: ${answer.body.length}\r\nDate: ${httpDate()}\r\n`;
    head += `Connection: ${closing ? 'close' : `keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.lane.keepAliveMs / 1000)}`}\r\n\r\n`;
    // One buffer, one write: cheaper than a writev of the head and the body.
    const headLength = Buffer.byteLength(head, 'latin1');
    const wire = Buffer.allocUnsafe(headLength + answer.body.length);
    wire.write(head, 0, 'latin1');
    answer.body.copy(wire, headLength);
    this.socket.write(wire);
    if (closing) {
      this.socket.end();
      return;
    }
    this.socket.resume();
    this.next();
  }

  /** Gives the connection, and every byte not yet served, to Node's HTTP server. */
  private handOver(): void {
    const rest = this.pending;
    this.pending = undefined;
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('error', this.onError);
    this.socket.removeListener('close', this.onClose);
    this.socket.removeListener('timeout', this.onTimeout);
    this.socket.setTimeout(0);
    this.lane.forget(this);
    if (rest !== undefined && rest.length > 0) this.socket.unshift(rest);
    this.lane.handToNode(this.socket);
  }
}

/** The lane in front of an HTTP server: takes its connections first (see the file's comment). */
export class InvocationLane {
  private readonly connections = new Set<LaneConnection>();
  private readonly nodeListeners: ((socket: Socket) => void)[];
  /** The server is stopping: answers say `Connection: close`, and the connection closes. */
  closing = false;
  /** The last request head the lane read (see readHead), and what it read. */
  private lastHeadBytes: Buffer | undefined;
  private lastHead: RequestHead | undefined;

  constructor(
    private readonly server: Server,
    readonly serve: (invocation: LaneInvocation) => Promise<HttpAnswer>,
    readonly maxBody: number,
  ) {
    this.nodeListeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      this.connections.add(new LaneConnection(socket, this));
    });
  }

  /**
   * The request head in `buffer` up to `end`, read by readHead, or its reading of the same bytes last time: a client
   * sends the same head again and again (only a signature, a date or a length changes), and reading it is a pure
   * function of its bytes. The headers read are frozen, as they are shared by the requests of that head.
   */
  readHead(buffer: Buffer, end: number): RequestHead | undefined {
    const last = this.lastHeadBytes;
    if (last !== undefined && last.length === end && buffer.compare(last, 0, end, 0, end) === 0) return this.lastHead;
    const head = readHead(buffer.toString('latin1', 0, end), this.maxBody);
    if (head !== undefined) {
      Object.freeze(head.headers);
      this.lastHeadBytes = Buffer.from(buffer.subarray(0, end));
      this.lastHead = head;
    }
    return head;
  }

  /** The server's keep-alive timeout: how long an idle connection stays open. */
  get keepAliveMs(): number {
    return this.server.keepAliveTimeout;
  }

  /** The server's requestTimeout: how long a request may take to arrive whole (0: no limit). */
  get requestTimeoutMs(): number {
    return this.server.requestTimeout;
  }

  handToNode(socket: Socket): void {
    for (const listener of this.nodeListeners) listener.call(this.server, socket);
  }

  forget(connection: LaneConnection): void {
    this.connections.delete(connection);
  }

  /** Closes the connections between requests; the others close once their answer is written. */
  closeIdleConnections(): void {
    this.closing = true;
    for (const connection of this.connections) if (connection.idle) connection.socket.destroy();
  }

  /** Closes every connection the lane holds. */
  closeAllConnections(): void {
    this.closing = true;
    for (const connection of this.connections) connection.socket.destroy();
    this.connections.clear();
  }
}
