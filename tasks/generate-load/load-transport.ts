/**
 * How a GenerateLoad worker sends its requests and tells time. On Lambda and in `smwf run`: over its own kept-alive
 * HTTP connections (http-sender.ts), on the wall clock and real timers. A test may put another transport in its place
 * (replaceLoadTransport): the in-process fault matrix has the emulator's runtime core answer the requests in process,
 * on a simulated clock, so that a step of 5 s costs milliseconds while the worker's own code runs unchanged.
 */
import { type Answer, HttpSender } from './http-sender.ts';
import type { PreparedRequest } from './signed-requests.ts';

/** A worker's way to SageMaker Runtime, and its time. */
export interface LoadTransport {
  /** Epoch milliseconds, with sub-millisecond precision. */
  now(): number;
  /** Resolves once `ms` have passed. */
  sleep(ms: number): Promise<void>;
  /** Sends one signed request and resolves with how it ended; never rejects. */
  send(request: PreparedRequest): Promise<Answer>;
  /**
   * Resolves as `work` does: work of the worker's own that is not a wait on this transport (signing a request). A
   * transport on a simulated clock does not move its clock while such work is under way.
   */
  meanwhile<T>(work: Promise<T>): Promise<T>;
  /** Ends the transport: a request in flight ends as its connection does, and a later one is not sent. */
  close(): void;
}

/** What a worker's transport is made for. */
export interface LoadTransportOptions {
  /** How many requests the worker keeps in flight at most (its users). */
  readonly connections: number;
  /** How long a request may take before it ends without an answer. */
  readonly timeoutMs: number;
  /** When the worker's slice starts (epoch ms): a simulated clock starts no later. */
  readonly startAt: number;
}

/** Makes a worker's transport. */
export type LoadTransportFactory = (options: LoadTransportOptions) => LoadTransport;

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const epochNow = () => performance.timeOrigin + performance.now();

/** Kept-alive HTTP connections, the wall clock and real timers: what every deployed worker uses. */
export const httpTransport: LoadTransportFactory = ({ connections, timeoutMs }) => {
  const sender = new HttpSender(connections, timeoutMs);
  return {
    now: epochNow,
    sleep: timer,
    send: (request) => sender.send(request),
    meanwhile: (work) => work,
    close: () => sender.close(),
  };
};

let current: LoadTransportFactory = httpTransport;

/** A transport for a new worker: the HTTP transport, unless a test has put another in its place. */
export function loadTransport(options: LoadTransportOptions): LoadTransport {
  return current(options);
}

/**
 * Puts `replacement` in the place of the HTTP transport for the workers made from now on, until the returned function
 * puts the HTTP transport back (for tests that run the load generator in process).
 */
export function replaceLoadTransport(replacement: LoadTransportFactory): () => void {
  current = replacement;
  return () => {
    if (current === replacement) current = httpTransport;
  };
}
