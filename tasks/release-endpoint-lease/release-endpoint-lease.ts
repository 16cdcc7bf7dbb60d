import type { ExecutionFacts } from '../../contracts/contract-parts.ts';
import { endpointLeaseKey, type LeaseDocument } from '../../contracts/endpoint-lease.ts';
import type { LeaseStore } from '../_shared/endpoint-lease.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document ReleaseEndpointLease reads: the lease, if the run took one, and whose it is. */
export interface ReleaseEndpointLeaseState {
  /** Absent when the run ended before it took one (bad packaging, or a path without a lease). */
  lease?: { endpointName: string; acquired?: boolean | undefined; released?: boolean | undefined } | undefined;
  execution: ExecutionFacts;
}
export const ReleaseEndpointLeaseState = stateSlice<ReleaseEndpointLeaseState>({
  lease: optional({ endpointName: 'string', acquired: optional('boolean'), released: optional('boolean') }),
  execution: { id: 'string', name: 'string', startedAt: 'string' },
});

/** What ReleaseEndpointLease needs from the outside. */
interface ReleaseEndpointLeaseDeps {
  leases: LeaseStore;
  now(): Date;
}

/** Conditional writes lost in a row before the step gives up (the lease then expires or is taken over). */
const MAX_WRITE_RACES = 5;

/**
 * Releases the endpoint's lease if this execution holds it: the lease object is replaced, with a conditional
 * write on the version read, by a `released` one naming this execution as the last holder. A lease this run never
 * took, or that another execution holds now (taken over), is left alone; `lease.releaseNote` says so.
 */
export async function releaseEndpointLease<S extends ReleaseEndpointLeaseState>(
  state: S,
  deps: ReleaseEndpointLeaseDeps,
): Promise<S> {
  const lease = state.lease;
  if (lease === undefined || lease.acquired !== true || lease.released === true) return state;
  const key = endpointLeaseKey(lease.endpointName);
  const me = state.execution.id;
  for (let race = 0; race < MAX_WRITE_RACES; race++) {
    const stored = await deps.leases.read(key);
    const document = stored?.document;
    if (stored === undefined || document?.state !== 'held' || document.executionArn !== me) {
      const why =
        document?.state === 'held'
          ? `${document.workflow} execution ${document.executionArn} holds it now`
          : 'it is not held';
      return { ...state, lease: { ...lease, released: false, releaseNote: `Not released: ${why}` } };
    }
    const released: LeaseDocument = { ...document, state: 'released', releasedAt: deps.now().toISOString() };
    const written = await deps.leases.replace(key, released, stored.etag);
    if (written.written) {
      return { ...state, lease: { ...lease, released: true } };
    }
  }
  throw new Error(
    `The lease of endpoint ${lease.endpointName} kept changing under ${MAX_WRITE_RACES} writes; it was not released`,
  );
}
