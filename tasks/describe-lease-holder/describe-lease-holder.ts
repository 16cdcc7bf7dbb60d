import {
  describeHolder,
  type EndpointLease,
  humanDuration,
  LEASE_WAIT,
  type SeenLeaseHolder,
} from '../../contracts/endpoint-lease.ts';
import { EndpointBusyError } from '../../contracts/errors.ts';
import type { ExecutionStatuses } from '../_shared/execution-statuses.ts';
import { LEASE_SLICE } from '../_shared/state-fields.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document DescribeLeaseHolder reads: the lease another execution holds. */
export interface DescribeLeaseHolderState {
  lease: EndpointLease;
}
export const DescribeLeaseHolderState = stateSlice<DescribeLeaseHolderState>({ lease: LEASE_SLICE });

/** What DescribeLeaseHolder needs from the outside. */
interface DescribeLeaseHolderDeps {
  executions: ExecutionStatuses;
  now(): Date;
}

/** The next look at a held lease: 5 s doubling to 60 s, never past the deadline; past it, EndpointBusyError. */
function nextLook(lease: EndpointLease, holder: SeenLeaseHolder, now: Date) {
  const deadline = lease.wait?.deadline ?? new Date(now.getTime() + lease.waitMinutes * 60_000).toISOString();
  const remaining = Math.floor((Date.parse(deadline) - now.getTime()) / 1000);
  if (remaining <= 0) {
    const waited =
      lease.waitMinutes === 0
        ? 'this run does not wait (lease.waitMinutes is 0)'
        : `this run waited ${humanDuration(lease.waitMinutes * 60)} for it`;
    throw new EndpointBusyError(
      `Endpoint ${lease.endpointName} is being changed by another deployment: its lease is held by ${describeHolder(holder)}; ${waited} and changed nothing`,
    );
  }
  const attempt = (lease.wait?.attempt ?? -1) + 1;
  const backoff = Math.min(LEASE_WAIT.initialIntervalSeconds * 2 ** attempt, LEASE_WAIT.maxIntervalSeconds);
  return { attempt, seconds: Math.max(1, Math.min(backoff, remaining)), deadline };
}

/**
 * Asks Step Functions whether the execution holding the endpoint's lease still runs (DescribeExecution) and
 * records its status on `lease.holder`. Running: the run waits (`lease.wait`: the next look, 5 s doubling to 60 s)
 * and, once `lease.waitMinutes` have passed, ends with EndpointBusyError naming the holder. Ended (or no such
 * execution): AcquireEndpointLease takes the lease over at once.
 */
export async function describeLeaseHolder<S extends DescribeLeaseHolderState>(
  state: S,
  deps: DescribeLeaseHolderDeps,
): Promise<S> {
  const { lease } = state;
  const holder = lease.holder;
  if (lease.acquired === true) return state;
  if (holder === undefined) throw new Error(`No holder of the lease of endpoint ${lease.endpointName} was recorded`);
  const status = (await deps.executions.status(holder.executionArn)) ?? 'DOES_NOT_EXIST';
  const described = { ...holder, status };
  if (status !== 'RUNNING') return { ...state, lease: { ...lease, holder: described } };
  return { ...state, lease: { ...lease, holder: described, wait: nextLook(lease, described, deps.now()) } };
}
