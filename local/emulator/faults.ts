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
  /**
   * Faults of the events handed to subscribers (the local EventBridge rules): delivery of SageMaker's events is best
   * effort, may repeat, and has no order (EventBridge event reference, "Event delivery"). The event log keeps what
   * was emitted; only what subscribers get changes.
   */
  events?: EventDeliveryFault;
}

/** How events reach subscribers. */
export interface EventDeliveryFault {
  /** The detail-types it applies to (others are delivered as they come). @default every event */
  detailTypes?: string[];
  /** The fraction of events never delivered (drawn from the seeded source; 1: none is). */
  drop?: number;
  /** The fraction of events delivered twice. */
  duplicate?: number;
  /** How long every delivery is held back, in ms. */
  delayMs?: number;
  /**
   * Hold each event back until the next one is delivered, and deliver it after it (pairs swap places); one that no
   * other follows within REORDER_HOLD_MS goes alone.
   */
  reorder?: boolean;
}

/** How long a reordered event waits for one to follow it before it is delivered alone. */
export const REORDER_HOLD_MS = 500;

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

  /** The faults of event delivery now configured, if any. */
  eventDelivery(): EventDeliveryFault | undefined {
    return this.config.events;
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

/**
 * Wraps a subscriber of the event log so that it gets events as the configured delivery faults say: some dropped,
 * some twice, late, or out of order. Without such faults it gets them as they are logged.
 */
export function withDeliveryFaults<E extends { readonly 'detail-type': string }>(
  listener: (events: readonly E[]) => void,
  injector: FaultInjector,
): (events: readonly E[]) => void {
  let held: { event: E; timer: NodeJS.Timeout } | undefined;
  return (batch) => {
    const fault = injector.eventDelivery();
    if (fault === undefined) {
      listener(batch);
      return;
    }
    const deliver = (events: E[]) => {
      if (events.length === 0) return;
      if (fault.delayMs) setTimeout(() => listener(events), fault.delayMs);
      else listener(events);
    };
    const out: E[] = [];
    for (const event of batch) {
      if (fault.detailTypes !== undefined && !fault.detailTypes.includes(event['detail-type'])) {
        out.push(event);
        continue;
      }
      if (fault.drop !== undefined && injector.next() < fault.drop) continue;
      const copies = fault.duplicate !== undefined && injector.next() < fault.duplicate ? 2 : 1;
      for (let copy = 0; copy < copies; copy += 1) {
        if (!fault.reorder) {
          out.push(event);
        } else if (held === undefined) {
          const timer = setTimeout(() => {
            const alone = held?.event;
            held = undefined;
            if (alone !== undefined) deliver([alone]);
          }, REORDER_HOLD_MS);
          held = { event, timer };
        } else {
          clearTimeout(held.timer);
          out.push(event, held.event);
          held = undefined;
        }
      }
    }
    deliver(out);
  };
}
