/**
 * A closed-loop load client for the emulator's measurement tests: each user keeps one InvokeEndpoint in flight over a
 * kept-alive connection (plain HTTP, as the runtime's REST path takes it) and sends the next as soon as the answer
 * arrives, with no think time.
 */
import { Agent, request } from 'node:http';

/** What a closed-loop run measured. */
export interface ClosedLoopResult {
  /** Requests answered with 200 inside the measured window. */
  completed: number;
  /** Answers other than 200. */
  failed: number;
  /** Seconds the window lasted. */
  seconds: number;
  /** Latency of each request answered in the window, in milliseconds. */
  latenciesMs: number[];
}

/** Requests answered per second. */
export const throughput = (r: ClosedLoopResult) => r.completed / r.seconds;

/**
 * Runs `users` closed-loop users against the endpoint for `warmUpSeconds` (not counted) and then `seconds` (counted:
 * requests answered inside the window).
 */
export async function closedLoop(
  emulatorUrl: string,
  endpointName: string,
  options: { users: number; seconds: number; warmUpSeconds?: number; body?: string },
): Promise<ClosedLoopResult> {
  const { hostname, port } = new URL(emulatorUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.users });
  const body = options.body ?? '1,2';
  const path = `/endpoints/${encodeURIComponent(endpointName)}/invocations`;
  const invoke = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'text/csv', accept: 'text/csv' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  const windowStart = started + (options.warmUpSeconds ?? 1) * 1000;
  const windowEnd = windowStart + options.seconds * 1000;
  const result: ClosedLoopResult = { completed: 0, failed: 0, seconds: options.seconds, latenciesMs: [] };
  try {
    await Promise.all(
      Array.from({ length: options.users }, async () => {
        while (performance.now() < windowEnd) {
          const sent = performance.now();
          const status = await invoke();
          const answered = performance.now();
          if (answered < windowStart || answered >= windowEnd) continue;
          if (status === 200) {
            result.completed += 1;
            result.latenciesMs.push(answered - sent);
          } else result.failed += 1;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return result;
}

/** The nearest-rank percentile `p` (0-100) of `values`. */
export function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
