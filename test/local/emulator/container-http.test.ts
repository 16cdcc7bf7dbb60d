import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerConnectionFailure, ContainerConnections } from '../../../local/emulator/hosting/container-http.ts';

/** A TCP server that answers each request (read up to its blank line and Content-Length) with `answer(n)`. */
async function rawServer(
  answer: (n: number, socket: Socket) => string | undefined,
): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        count += 1;
        const text = answer(count, socket);
        if (text !== undefined) socket.write(text);
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, connections: () => connections };
}

describe('ContainerConnections', () => {
  const servers: Server[] = [];
  const pools: ContainerConnections[] = [];

  afterEach(async () => {
    for (const pool of pools.splice(0)) pool.close();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function setUp(answer: (n: number, socket: Socket) => string | undefined) {
    const raw = await rawServer(answer);
    servers.push(raw.server);
    const pool = new ContainerConnections(() => ({ host: '127.0.0.1', port: raw.port }));
    pools.push(pool);
    const call = (timeoutMs = 5000) =>
      pool.request('POST', '/invocations', { 'content-type': 'text/csv' }, Buffer.from('1,2'), timeoutMs);
    return { call, connections: raw.connections };
  }

  it('reads Content-Length answers and reuses the connection', async () => {
    const { call, connections } = await setUp(
      (n) =>
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Twice: a\r\nX-Twice: b\r\nContent-Length: 7\r\n\r\n{"n":${n}}`,
    );

    const first = await call();
    const second = await call();

    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe('{"n":1}');
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['x-twice']).toBe('a, b');
    expect(second.body.toString()).toBe('{"n":2}');
    expect(connections()).toBe(1);
  });

  it('reads each answer head for itself: one differing from the last by a byte, of the same length, is not taken for it', async () => {
    const { call } = await setUp(
      (n) =>
        `HTTP/1.1 ${n === 2 ? 500 : 200} OK\r\nContent-Type: text/cs${n === 2 ? 'x' : 'v'}\r\nContent-Length: 1\r\n\r\n${n}`,
    );

    const answers = [await call(), await call(), await call()];

    expect(answers.map((a) => [a.status, a.headers['content-type'], a.body.toString()])).toEqual([
      [200, 'text/csv', '1'],
      [500, 'text/csx', '2'],
      [200, 'text/csv', '3'],
    ]);
  });

  it('reads chunked answers with extensions and trailers, after an interim 100 Continue', async () => {
    const { call } = await setUp(
      () =>
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '4;ext=1\r\nbad \r\n6\r\nthings\r\n0\r\nX-Trailer: t\r\n\r\n',
    );

    const answer = await call();

    expect(answer.status).toBe(500);
    expect(answer.body.toString()).toBe('bad things');
  });

  it('reads a body delimited by the end of the connection, and opens a new one for the next call', async () => {
    const { call, connections } = await setUp((n, socket) => {
      socket.end(`HTTP/1.1 200 OK\r\n\r\nanswer ${n}`);
      return undefined;
    });

    expect((await call()).body.toString()).toBe('answer 1');
    expect((await call()).body.toString()).toBe('answer 2');
    expect(connections()).toBe(2);
  });

  it('reads 6 MB answers, Content-Length and chunked, byte for byte across many reads on connections at once', async () => {
    const size = 6 * 1024 * 1024;
    const bodies = [1, 2].map((n) => {
      const body = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) body[i] = (i * 31 + n * 7) % 251;
      return body;
    });
    const { call } = await setUp((n, socket) => {
      const body = bodies[n - 1] as Buffer;
      if (n % 2 === 1) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
        socket.write(body.subarray(0, 1000));
        socket.write(body.subarray(1000));
      } else {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        const half = size / 2 + 3;
        socket.write(`${half.toString(16)}\r\n`);
        socket.write(body.subarray(0, half));
        socket.write(`\r\n${(size - half).toString(16)}\r\n`);
        socket.write(body.subarray(half));
        socket.write('\r\n0\r\n\r\n');
      }
      return undefined;
    });

    const answers = await Promise.all([call(30_000), call(30_000)]);

    // Which request each connection's answer belongs to is the server's order: match each answer to a body.
    const matched = answers.map((answer) => bodies.findIndex((body) => body.equals(answer.body)));
    expect(matched.sort()).toEqual([0, 1]);
  });

  it('fails a call whose container dies in the middle of its answer, and serves the next on a new connection', async () => {
    const { call, connections } = await setUp((n, socket) => {
      if (n === 1) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      else if (n === 2) socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nonly part');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine');
      return undefined;
    });

    const cut = await call().catch((err: unknown) => err);
    const cutChunked = await call().catch((err: unknown) => err);
    const next = await call();

    for (const failure of [cut, cutChunked]) {
      expect(failure).toBeInstanceOf(ContainerConnectionFailure);
      expect((failure as ContainerConnectionFailure).timedOut).toBe(false);
      expect((failure as Error).message).toBe('the connection was closed before the container answered');
    }
    expect(next.body.toString()).toBe('fine');
    expect(connections()).toBe(3);
  });

  it('closes the connection after an answer with Connection: close', async () => {
    const { call, connections } = await setUp(() => 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');

    expect((await call()).status).toBe(204);
    expect((await call()).status).toBe(204);
    expect(connections()).toBe(2);
  });

  it('sends the request again on a new connection when a kept-alive one was closed without any answer', async () => {
    const { call, connections } = await setUp((n, socket) => {
      if (n === 2) {
        socket.destroy(); // the container dropped the kept-alive connection as the second request arrived
        return undefined;
      }
      return `HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${n}`;
    });

    expect((await call()).body.toString()).toBe('1');
    expect((await call()).body.toString()).toBe('3');
    expect(connections()).toBe(2);
  });

  it('fails with timedOut when no answer comes in time, and when nothing listens', async () => {
    const { call } = await setUp(() => undefined);

    const timedOut = await call(100).catch((err: unknown) => err);

    expect(timedOut).toBeInstanceOf(ContainerConnectionFailure);
    expect((timedOut as ContainerConnectionFailure).timedOut).toBe(true);
    const nobody = new ContainerConnections(() => ({ host: '127.0.0.1', port: 1 }));
    pools.push(nobody);
    const refused = await nobody
      .request('POST', '/invocations', {}, Buffer.alloc(0), 5000)
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ContainerConnectionFailure);
    expect((refused as ContainerConnectionFailure).timedOut).toBe(false);
    expect((refused as Error).message).toContain('ECONNREFUSED');
  });

  it('fails a call still waiting for its answer when the connections are closed', async () => {
    let arrived: () => void = () => undefined;
    const received = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const { call } = await setUp(() => {
      arrived(); // the request reached the container, which never answers
      return undefined;
    });
    const pool = pools[0] as ContainerConnections;

    const waiting = call().catch((err: unknown) => err);
    await received;
    pool.close();
    const failure = await waiting;

    expect(failure).toBeInstanceOf(ContainerConnectionFailure);
    expect((failure as Error).message).toBe('the container stopped before it answered');
  });

  it('refuses a header value holding a line break instead of sending it', async () => {
    await setUp(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    const pool = pools[0] as ContainerConnections;

    const refused = await pool
      .request('POST', '/invocations', { accept: 'text/csv\r\nX-Injected: 1' }, Buffer.alloc(0), 5000)
      .catch((err: unknown) => err);

    expect(refused).toBeInstanceOf(ContainerConnectionFailure);
    expect((refused as Error).message).toContain('"accept"');
  });
});
