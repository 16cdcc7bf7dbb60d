import { ServiceError } from './errors.ts';

/** Fault injection for tests; everything is off unless configured. */
export interface FaultConfig {
  /** Seed of the random source used for throttling decisions and weighted variant choice; same seed, same sequence. @default 1 */
  seed?: number;
  /**
   * Answer `ThrottlingException` (SageMaker/EventBridge/runtime) or `SlowDown` (S3) for a fraction (`rate`, drawn from
   * the seeded source) of calls, or for every `every`-th call of each operation (counted since the faults were set).
   */
  throttle?: { rate?: number; every?: number; operations?: string[] };
  /** Delay every matching call by `ms` (plus up to `jitterMs`, from the seeded source) before it is handled. */
  latency?: { ms: number; jitterMs?: number; operations?: string[] };
  /** Fail the Nth call (1-based, counted since the faults were set) of an operation with the given error. */
  failNth?: FailNthFault[];
}

/** One scheduled failure. */
export interface FailNthFault {
  operation: string;
  n: number;
  /** @default 'InternalFailure' (S3: 'InternalError') */
  code?: string;
  /** @default 500 */
  status?: number;
  /** @default 'We encountered an internal error. Please try again.' */
  message?: string;
}

/** What the server should do with one call. */
type FaultDecision =
  | { kind: 'none'; delayMs: number }
  | { kind: 'throttle'; delayMs: number }
  | { kind: 'fail'; delayMs: number; code?: string; status: number; message: string };

/** A small seedable PRNG (mulberry32), enough for repeatable tests. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, per call, whether a configured fault applies. */
export class FaultInjector {
  private config: FaultConfig = {};
  private random: () => number = seededRandom(1);
  private readonly counts = new Map<string, number>();

  constructor(config?: FaultConfig) {
    this.set(config ?? {});
  }

  /** Replaces the configuration, reseeds the random source and resets call counters. */
  set(config: FaultConfig): void {
    this.config = config;
    this.random = seededRandom(config.seed ?? 1);
    this.counts.clear();
  }

  /** The seeded random source (also used for weighted routing, so runs are repeatable). */
  next(): number {
    return this.random();
  }

  /** Counts the call and returns the fault to apply, if any. */
  decide(operation: string): FaultDecision {
    const count = (this.counts.get(operation) ?? 0) + 1;
    this.counts.set(operation, count);
    const { latency, throttle, failNth } = this.config;
    let delayMs = 0;
    if (latency && applies(latency.operations, operation)) {
      delayMs = latency.ms + (latency.jitterMs ? Math.floor(this.random() * latency.jitterMs) : 0);
    }
    const failure = failNth?.find((f) => f.operation === operation && f.n === count);
    if (failure) {
      return {
        kind: 'fail',
        delayMs,
        ...(failure.code !== undefined ? { code: failure.code } : {}),
        status: failure.status ?? 500,
        message: failure.message ?? 'We encountered an internal error. Please try again.',
      };
    }
    if (throttle && applies(throttle.operations, operation)) {
      const throttled =
        throttle.every !== undefined ? count % throttle.every === 0 : this.random() < (throttle.rate ?? 0);
      if (throttled) return { kind: 'throttle', delayMs };
    }
    return { kind: 'none', delayMs };
  }
}

function applies(operations: string[] | undefined, operation: string): boolean {
  return operations === undefined || operations.includes(operation);
}

/** The error a fault decision answers with, in the shape of the service called (`s3`: S3's codes). */
export function faultError(
  decision: { kind: 'throttle' } | { kind: 'fail'; code?: string; status: number; message: string },
  s3: boolean,
): ServiceError {
  if (decision.kind === 'throttle') {
    return s3
      ? new ServiceError('SlowDown', 'Please reduce your request rate.', 503)
      : new ServiceError('ThrottlingException', 'Rate exceeded', 400);
  }
  const code = decision.code ?? (s3 ? 'InternalError' : 'InternalFailure');
  return new ServiceError(code, decision.message, decision.status);
}
