/**
 * The endpoint lease: one deployment at a time per endpoint. A run takes the endpoint's lease (an object in the
 * stack's artifact bucket, written with S3 conditional writes) before it changes anything, and releases it at
 * every end. What it is called, where it lives, how long it lasts and how a waiting run polls, written once for
 * the tasks, the state machines and the stack's IAM. Plain values, no zod: anything may import them.
 */

/** The prefix of every lease object in the artifact bucket; the lease steps may read and write under it only. */
export const LEASE_KEY_PREFIX = 'leases/';

/**
 * The lease object of an endpoint. SageMaker endpoint names are unique per account and region regardless of
 * case (its ARNs are lower-case), so the key is too.
 */
export function endpointLeaseKey(endpointName: string): string {
  return `${LEASE_KEY_PREFIX}endpoints/${endpointName.toLowerCase()}.json`;
}

/**
 * How long a lease lasts after its execution started: the longest any workflow that takes one may run (their
 * state machines' timeouts are at most this; a test holds them to it). Past it, the holder cannot be running
 * and the lease is taken over even when DescribeExecution cannot say.
 */
export const LEASE_TTL_HOURS = 48;

/** How long a run waits for a lease another execution holds, and how often it looks again. */
export const LEASE_WAIT = {
  /** `lease.waitMinutes` when the input does not say. */
  defaultMinutes: 60,
  /**
   * The most `lease.waitMinutes` may be: 12 hours, so that a run that waited that long still has its own wait
   * deadline (at most a day), busy retries and a rollback within its state machine's 48 hours.
   */
  maxMinutes: 720,
  /** The first look again, then doubling to maxIntervalSeconds. */
  initialIntervalSeconds: 5,
  maxIntervalSeconds: 60,
} as const;

/** The lease object's body, as stored in S3. */
export interface LeaseDocument {
  readonly endpointName: string;
  /** `held` by `executionArn`, or `released` by it (the last holder). */
  readonly state: 'held' | 'released';
  readonly executionArn: string;
  /** The holder's state machine ($$.StateMachine.Name). */
  readonly workflow: string;
  readonly takenAt: string;
  readonly expiresAt: string;
  readonly releasedAt?: string;
}

/** Another execution that holds (or held) an endpoint's lease, as a run reports it. */
interface LeaseHolder {
  readonly executionArn: string;
  readonly workflow: string;
  readonly takenAt: string;
  /** How long it has held the lease when it was last seen. */
  readonly heldSeconds: number;
}

/** The holder a waiting run saw last: which version of the lease object, and (once described) its execution's status. */
export interface SeenLeaseHolder extends LeaseHolder {
  /** The ETag of the lease object that named it: a takeover replaces exactly that version. */
  readonly etag: string;
  /** DescribeExecution's status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, ...; DOES_NOT_EXIST). */
  readonly status?: string;
}

/** How a lease came to this run from another holder. */
export interface LeaseTakeover {
  readonly from: LeaseHolder;
  /** `not-running`: DescribeExecution says it ended (or does not exist); `expired`: past its expiry. */
  readonly reason: 'not-running' | 'expired';
  /** The holder's status, when DescribeExecution gave one. */
  readonly status?: string;
}

/** The lease as a run's state document records it (`$.lease`). */
export interface EndpointLease {
  readonly endpointName: string;
  /** This run's state machine. */
  readonly workflow: string;
  /** How long this run waits for a lease another execution holds before it gives up (EndpointBusyError). */
  readonly waitMinutes: number;
  /** This run holds the lease. */
  readonly acquired?: boolean | undefined;
  readonly takenAt?: string | undefined;
  readonly expiresAt?: string | undefined;
  /** The lease was taken over from a holder that ended without releasing it. */
  readonly takenOver?: LeaseTakeover | undefined;
  /** Who held the lease when this run last looked (while it waits, and when it gave up). */
  readonly holder?: SeenLeaseHolder | undefined;
  /** Where waiting stands: the next look in `seconds`, and when the run gives up. */
  readonly wait?: { readonly attempt: number; readonly seconds: number; readonly deadline: string } | undefined;
  /** This run released the lease. */
  readonly released?: boolean | undefined;
  /** Why a run that held the lease did not release it (someone else holds it now). */
  readonly releaseNote?: string | undefined;
}

/** How long ago `since` was, at `now`, in whole seconds (0 for a time in the future or unreadable). */
export function secondsSince(since: string, now: Date): number {
  const ms = now.getTime() - Date.parse(since);
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
}

/** `1 h 2 min`, `3 min 4 s`, `5 s`: a duration as a person reads it. */
export function humanDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

/** `DeployEndpoint execution arn:..., holding it for 3 min 4 s`: who holds a lease, for messages. */
export function describeHolder(holder: LeaseHolder): string {
  return `${holder.workflow} execution ${holder.executionArn}, holding it for ${humanDuration(holder.heldSeconds)}`;
}

/**
 * What a lifecycle event says of the lease, when it matters: who held it when the run gave up waiting (`heldBy`),
 * or from which ended execution the run took it over (`takenOverFrom`).
 */
export function leaseEventDetail(lease: EndpointLease | undefined): Record<string, unknown> | undefined {
  if (lease === undefined) return undefined;
  if (lease.acquired !== true && lease.holder !== undefined) {
    const { etag: _version, ...heldBy } = lease.holder;
    return { heldBy };
  }
  if (lease.takenOver !== undefined) return { takenOverFrom: lease.takenOver };
  return undefined;
}
