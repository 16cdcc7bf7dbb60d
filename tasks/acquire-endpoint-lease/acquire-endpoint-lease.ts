import type { ExecutionFacts } from '../../contracts/contract-parts.ts';
import {
  type EndpointLease,
  endpointLeaseKey,
  LEASE_TTL_HOURS,
  type LeaseDocument,
  type LeaseTakeover,
  type SeenLeaseHolder,
  secondsSince,
} from '../../contracts/endpoint-lease.ts';
import type { LeaseStore, StoredLease } from '../_shared/endpoint-lease.ts';
import { LEASE_SLICE } from '../_shared/state-fields.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document AcquireEndpointLease reads: the lease to take, and whose. */
export interface AcquireEndpointLeaseState {
  lease: EndpointLease;
  execution: ExecutionFacts;
}
export const AcquireEndpointLeaseState = stateSlice<AcquireEndpointLeaseState>({
  lease: LEASE_SLICE,
  execution: { id: 'string', name: 'string', startedAt: 'string' },
});

/** What AcquireEndpointLease needs from the outside. */
interface AcquireEndpointLeaseDeps {
  leases: LeaseStore;
  now(): Date;
}

/** Conditional writes lost in a row before the step reports the lease as held by whoever won the last one. */
const MAX_WRITE_RACES = 5;

function holderOf(stored: StoredLease & { document: LeaseDocument }, now: Date): SeenLeaseHolder {
  const { document } = stored;
  return {
    executionArn: document.executionArn,
    workflow: document.workflow,
    takenAt: document.takenAt,
    heldSeconds: secondsSince(document.takenAt, now),
    etag: stored.etag,
  };
}

/**
 * Why the lease object at hand may be replaced: it guards nothing (released, or not a lease document), it is past
 * its expiry, or DescribeLeaseHolder found its holder ended (and the object is still the version that named it);
 * undefined while it is held.
 */
function replaceable(
  stored: StoredLease,
  seen: SeenLeaseHolder | undefined,
  now: Date,
): { takeover?: LeaseTakeover } | undefined {
  const { document } = stored;
  if (document === undefined || document.state === 'released') return {};
  const { etag: _version, status, ...from } = holderOf({ ...stored, document }, now);
  if (Date.parse(document.expiresAt) <= now.getTime()) return { takeover: { from, reason: 'expired' } };
  const ended = seen?.status !== undefined && seen.status !== 'RUNNING';
  if (ended && seen.etag === stored.etag && seen.executionArn === document.executionArn) {
    const known = seen.status === 'DOES_NOT_EXIST' ? {} : { status: seen.status };
    return { takeover: { from, reason: 'not-running', ...known } };
  }
  return undefined;
}

/**
 * Takes the endpoint's lease for this execution with S3 conditional writes, or reports who holds it. Free (no
 * object, or released): created with If-None-Match, or replaced with If-Match on the version read. Held by this
 * execution (a retry after a lost answer): kept. Past its expiry, or held by an execution DescribeLeaseHolder found
 * ended (and not taken since): taken over, and the takeover recorded. Otherwise it reports the holder
 * (`lease.holder`, with the version it saw) for DescribeLeaseHolder to describe. A write lost to another run's
 * means reading again, never overwriting.
 */
export async function acquireEndpointLease<S extends AcquireEndpointLeaseState>(
  state: S,
  deps: AcquireEndpointLeaseDeps,
): Promise<S> {
  const lease = state.lease;
  if (lease.acquired === true) return state;
  const me = state.execution.id;
  const key = endpointLeaseKey(lease.endpointName);
  const startedAt = Date.parse(state.execution.startedAt);
  const { holder: seen, wait, takenOver: _before, ...settings } = lease;

  let last: StoredLease | undefined;
  for (let race = 0; race < MAX_WRITE_RACES; race++) {
    const now = deps.now();
    const mine: LeaseDocument = {
      endpointName: lease.endpointName,
      state: 'held',
      executionArn: me,
      workflow: lease.workflow,
      takenAt: now.toISOString(),
      expiresAt: new Date(
        (Number.isFinite(startedAt) ? startedAt : now.getTime()) + LEASE_TTL_HOURS * 3600_000,
      ).toISOString(),
    };
    const acquired = (takenOver?: LeaseTakeover): S => ({
      ...state,
      lease: {
        ...settings,
        acquired: true,
        takenAt: mine.takenAt,
        expiresAt: mine.expiresAt,
        ...(takenOver ? { takenOver } : {}),
      },
    });

    const created = await deps.leases.create(key, mine);
    if (created.written) return acquired();
    last = await deps.leases.read(key);
    if (last === undefined) continue; // deleted meanwhile: create it again
    const document = last.document;
    if (document?.state === 'held' && document.executionArn === me) {
      return {
        ...state,
        lease: { ...settings, acquired: true, takenAt: document.takenAt, expiresAt: document.expiresAt },
      };
    }
    const reason = replaceable(last, seen, now);
    if (reason === undefined) break;
    const replaced = await deps.leases.replace(key, mine, last.etag);
    if (replaced.written) return acquired(reason.takeover);
    // Another run wrote first: read what it wrote.
  }
  if (last?.document?.state !== 'held') {
    // Every write lost to another run's, and the lease free again each time: practically never.
    throw new Error(`The lease of endpoint ${lease.endpointName} changed under each of ${MAX_WRITE_RACES} writes`);
  }
  const holder = holderOf({ ...last, document: last.document }, deps.now());
  return { ...state, lease: { ...settings, acquired: false, holder, ...(wait ? { wait } : {}) } };
}
