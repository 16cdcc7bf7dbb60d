/**
 * Sends prepared InvokeEndpoint requests over keep-alive connections (one per user at most) and classifies each
 * answer the way the SDK would name it: the HTTP status, SageMaker's error code (the `x-amzn-ErrorType` header, else
 * the body's `__type` or `code`), a ModelError's original status, throttling (429 or ThrottlingException), or a
 * client-side failure (a timeout, a reset connection) that got no answer at all.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { PreparedRequest } from './signed-requests.ts';

/** How one request ended. */
export interface Answer {
  /** The HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;
  /** Why it failed: SageMaker's error code, `ModelError <status>`, or a client-side failure; undefined for 2xx. */
  readonly error: string | undefined;
  readonly throttled: boolean;
}

/** Bytes of an error answer read to find its code. */
const MAX_ERROR_BODY = 64 * 1024;

const OK: Answer = { status: 200, error: undefined, throttled: false };

/** SageMaker's error code, as the SDK reads it: `Code:namespace` and `ns#Code` cut to `Code`. */
function errorCode(res: IncomingMessage, body: string): string | undefined {
  const clean = (value: string) => value.split(':')[0]?.split('#').at(-1)?.trim() || undefined;
  const header = res.headers['x-amzn-errortype'];
  if (typeof header === 'string' && header !== '') return clean(header);
  try {
    const parsed = JSON.parse(body) as { __type?: unknown; code?: unknown; Code?: unknown };
    const code = parsed.__type ?? parsed.code ?? parsed.Code;
    return typeof code === 'string' ? clean(code) : undefined;
  } catch {
    return undefined;
  }
}

/** The answer to a non-2xx response whose (start of) body is `body`. */
export function classifyError(res: IncomingMessage, body: string): Answer {
  const status = res.statusCode ?? 0;
  const code = errorCode(res, body);
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

/** A client-side failure's name: the socket error's code, or Timeout. */
function failureName(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  return error instanceof Error && error.name !== 'Error' ? error.name : 'ClientError';
}

/** Sends requests over at most `connections` keep-alive connections per host. */
export class HttpSender {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(
    connections: number,
    private readonly timeoutMs: number,
  ) {
    const options = { keepAlive: true, maxSockets: connections, maxFreeSockets: connections };
    this.http = new HttpAgent(options);
    this.https = new HttpsAgent(options);
  }

  /** Sends `prepared` and resolves with how it ended (never rejects). */
  send(prepared: PreparedRequest): Promise<Answer> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (answer: Answer) => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      const https = prepared.protocol === 'https:';
      const req = (https ? httpsRequest : httpRequest)(
        {
          agent: https ? this.https : this.http,
          hostname: prepared.hostname,
          port: prepared.port,
          path: prepared.path,
          method: 'POST',
          headers: prepared.headers,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            res.on('end', () => settle(status === 200 ? OK : { status, error: undefined, throttled: false }));
            res.on('error', (error) => settle({ status: undefined, error: failureName(error), throttled: false }));
            res.resume();
            return;
          }
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (body.length < MAX_ERROR_BODY) body += chunk;
          });
          res.on('end', () => settle(classifyError(res, body)));
          res.on('error', (error) => settle({ status: undefined, error: failureName(error), throttled: false }));
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        settle({ status: undefined, error: 'Timeout', throttled: false });
        req.destroy();
      });
      req.on('error', (error) => settle({ status: undefined, error: failureName(error), throttled: false }));
      req.end(prepared.body);
    });
  }

  /** Closes every connection. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
