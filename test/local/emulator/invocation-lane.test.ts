/**
 * The invocation lane (local/emulator/invocation-lane.ts): InvokeEndpoint read straight from the socket answers what
 * Node's HTTP server path answers, and every request the lane does not recognise, on a fresh connection or half-way
 * through one, is served by Node's server. Raw sockets, so the bytes on the wire are the test's own.
 */
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../local/emulator/index.ts';
import { InvocationLane } from '../../../local/emulator/invocation-lane.ts';
import { clients, deployModel, LINEAR_IMAGE, startTestEmulator, uploadLinearModel } from './helpers.ts';

const ENDPOINT = 'lane-linear';

interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The header names as they came, in order. */
  names: string[];
  body: string;
}

/** Reads `count` Content-Length answers (and a 100 Continue, skipped) from one connection's bytes. */
function parseAnswers(bytes: string, count: number): Answer[] | undefined {
  const answers: Answer[] = [];
  let rest = bytes;
  while (answers.length < count) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    const headers: Record<string, string> = {};
    const names: string[] = [];
    for (const line of lines) {
      const colon = line.indexOf(':');
      names.push(line.slice(0, colon));
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (status === 100) {
      rest = rest.slice(end + 4);
      continue;
    }
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) return undefined;
    answers.push({ status, headers, names, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return answers;
}

/** Writes `parts` (one after the other, each once the previous is sent) on one connection; resolves `count` answers. */
function exchange(url: string, parts: string[], count: number, pauseMs = 0): Promise<Answer[]> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const answers = parseAnswers(received, count);
      if (answers) {
        socket.destroy();
        resolve(answers);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the connection closed after: ${received}`)));
    void (async () => {
      for (const part of parts) {
        socket.write(part, 'latin1');
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    })();
  });
}

/** An InvokeEndpoint request of `body` with `extraHeaders` lines. */
function invocation(body: string, extraHeaders: string[] = [], endpoint = ENDPOINT): string {
  return [
    `POST /endpoints/${endpoint}/invocations HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: text/csv',
    'Accept: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...extraHeaders,
    '',
    body,
  ].join('\r\n');
}

const describeEndpoint = (() => {
  const body = JSON.stringify({ EndpointName: ENDPOINT });
  return [
    'POST / HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/x-amz-json-1.1',
    'X-Amz-Target: SageMaker.DescribeEndpoint',
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
})();

/** What differs from one answer to the next (request ids, the date) left out. */
function comparable(answer: Answer): { status: number; headers: Record<string, string>; body: string } {
  const { 'x-amzn-requestid': requestId, date, ...headers } = answer.headers;
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(date).toMatch(/ GMT$/);
  return { status: answer.status, headers, body: answer.body };
}

describe('the invocation lane', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    const { s3, sagemaker } = clients(emulator.url);
    const modelUri = await uploadLinearModel(s3, 'lane', 'linear/model.tar.gz', [2, 3], 1);
    await deployModel(sagemaker, ENDPOINT, {
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/test',
      PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: modelUri },
    });
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it("answers an invocation as Node's server path does (a chunked body is that path's)", async () => {
    const [lane] = await exchange(emulator.url, [invocation('1,2')], 1);
    const chunked = [
      `POST /endpoints/${ENDPOINT}/invocations HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Type: text/csv',
      'Accept: application/json',
      'Transfer-Encoding: chunked',
      '',
      '3\r\n1,2\r\n0\r\n\r\n',
    ].join('\r\n');
    const [node] = await exchange(emulator.url, [chunked], 1);
    expect(comparable(lane as Answer)).toEqual(comparable(node as Answer));
    // The same head on the wire: the same names, spelt alike, in the same order.
    expect(lane?.names).toEqual(node?.names);
    expect(lane).toMatchObject({
      status: 200,
      headers: {
        'x-amzn-invoked-production-variant': 'AllTraffic',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
      },
    });
    expect(JSON.parse((lane as Answer).body)).toEqual({ predictions: [9] });
  });

  it('answers errors as that path does: an unknown endpoint, a fault injected into InvokeEndpoint', async () => {
    const [lane] = await exchange(emulator.url, [invocation('1,2', [], 'no-such-endpoint')], 1);
    // Expect: 100-continue is Node's to handle.
    const [node] = await exchange(emulator.url, [invocation('1,2', ['Expect: 100-continue'], 'no-such-endpoint')], 1);
    expect(comparable(lane as Answer)).toEqual(comparable(node as Answer));
    expect(lane?.status).toBe(400);
    expect(lane?.headers['x-amzn-errortype']).toBe('ValidationError');

    emulator.setFaults({ failNth: [{ operation: 'InvokeEndpoint', n: 1, code: 'ServiceUnavailable', status: 503 }] });
    try {
      const [faulted, next] = await exchange(emulator.url, [invocation('1,2'), invocation('1,2')], 2, 50);
      expect(faulted?.status).toBe(503);
      expect(faulted?.headers['x-amzn-errortype']).toBe('ServiceUnavailable');
      expect(next?.status).toBe(200);
    } finally {
      emulator.setFaults({});
    }
  });

  it("serves pipelined invocations in order, then hands the connection to Node's server at the first other request", async () => {
    const answers = await exchange(
      emulator.url,
      [invocation('1,1') + invocation('2,2') + describeEndpoint + invocation('3,3')],
      4,
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(JSON.parse(answers[0]?.body ?? '')).toEqual({ predictions: [6] });
    expect(JSON.parse(answers[1]?.body ?? '')).toEqual({ predictions: [11] });
    expect(JSON.parse(answers[2]?.body ?? '')).toMatchObject({ EndpointName: ENDPOINT, EndpointStatus: 'InService' });
    expect(JSON.parse(answers[3]?.body ?? '')).toEqual({ predictions: [16] });
  });

  it('reads each head for itself: one differing from the last by a byte, of the same length, is not taken for it', async () => {
    const variant = (name: string) => invocation('1,1', [`X-Amzn-SageMaker-Target-Variant: ${name}`]);

    const answers = await exchange(
      emulator.url,
      [variant('AllTraffic') + variant('AllTraffiX') + variant('AllTraffic')],
      3,
    );

    expect(answers.map((a) => a.status)).toEqual([200, 400, 200]);
    expect(JSON.parse(answers[1]?.body ?? '').Message).toContain('does not have a production variant named AllTraffiX');
    expect(JSON.parse(answers[2]?.body ?? '')).toEqual({ predictions: [6] });
  });

  it('waits for a body that arrives after its head, and reads one cut anywhere', async () => {
    const request = invocation('10,20');
    const head = request.slice(0, request.indexOf('\r\n\r\n') + 4);
    const [split] = await exchange(emulator.url, [head, '10,', '20'], 1, 30);
    expect(JSON.parse(split?.body ?? '')).toEqual({ predictions: [81] });
    // The head itself in pieces: Node's server reads it.
    const [pieces] = await exchange(emulator.url, [request.slice(0, 20), request.slice(20)], 1, 30);
    expect(JSON.parse(pieces?.body ?? '')).toEqual({ predictions: [81] });
  });

  it("leaves to Node's server what it does not read itself: a header twice, a query string, Expect, a malformed head", async () => {
    const [twice] = await exchange(emulator.url, [invocation('1,2', ['Accept: text/csv'])], 1);
    // Node's server joins a repeated Accept with a comma; the model answers JSON for it.
    expect(twice?.status).toBe(200);
    const [query] = await exchange(emulator.url, [invocation('1,2').replace('/invocations', '/invocations?x=1')], 1);
    expect(query?.status).toBe(200);
    const [continued] = await exchange(emulator.url, [invocation('1,2', ['Expect: 100-continue'])], 1);
    expect(JSON.parse(continued?.body ?? '')).toEqual({ predictions: [9] });
    const [malformed] = await exchange(emulator.url, [invocation('1,2', ['Bad Header: x'])], 1);
    expect(malformed?.status).toBe(400);
  });

  it('refuses a header the API model bounds, as the generic path does (it is the same validation)', async () => {
    const [tooLong] = await exchange(
      emulator.url,
      [invocation('1,2', [`X-Amzn-SageMaker-Custom-Attributes: ${'a'.repeat(1025)}`])],
      1,
    );
    expect(tooLong?.status).toBe(400);
    expect(tooLong?.headers['x-amzn-errortype']).toBe('ValidationError');
    expect(tooLong?.body).toContain('customAttributes');
  });

  it('checks every input for itself: one a byte over a bound after the same input within it passed is refused', async () => {
    const attributes = (length: number) =>
      invocation('1,2', [`X-Amzn-SageMaker-Custom-Attributes: ${'a'.repeat(length)}`]);

    const answers = await exchange(emulator.url, [attributes(1024) + attributes(1025) + attributes(1024)], 3);

    expect(answers.map((a) => a.status)).toEqual([200, 400, 200]);
    expect(answers[1]?.body).toContain('customAttributes');
  });
});

describe('the invocation lane where Node has rules of its own', () => {
  /** A Node server with the lane in front (the lane answers 204); what the lane served, and the server's URL. */
  async function laneOnly(requestTimeoutMs: number) {
    const served: string[] = [];
    const server = createServer((_req, res) => {
      res.statusCode = 299;
      res.end();
    });
    server.requestTimeout = requestTimeoutMs;
    new InvocationLane(
      server,
      async (invocation) => {
        served.push(invocation.endpointName);
        return { status: 204, headers: {}, body: Buffer.alloc(0) };
      },
      6 * 1024 * 1024,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { served, server, url: `http://127.0.0.1:${port}` };
  }

  /** Everything the server sends on one connection until it closes it. */
  function untilClosed(url: string, bytes: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(bytes, 'latin1');
    });
  }

  it("leaves a request without Host to Node's server, which refuses HTTP/1.1 without one", async () => {
    const { served, server, url } = await laneOnly(300_000);
    try {
      const answer = await untilClosed(url, invocation('1,2').replace('Host: 127.0.0.1\r\n', ''));
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(served).toEqual([]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("answers a body that has not all arrived within the server's requestTimeout as Node does: 408, then closes", async () => {
    const { served, server, url } = await laneOnly(300);
    try {
      const request = invocation('1,2,3,4');
      const answer = await untilClosed(url, request.slice(0, request.length - 3));
      expect(answer).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      expect(served).toEqual([]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
