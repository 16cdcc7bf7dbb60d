/**
 * How an invocation reaches an endpoint's fleet: the endpoint lifecycle routes it (to the serving fleet, or a canary),
 * and a fleet being replaced is drained of the invocations acquired on it before it stops.
 */
export interface FleetRouting<F> {
  /** The fleet that serves the endpoint's next invocation, in flight until `release`; undefined while none serves. */
  acquire(region: string, endpointName: string): Promise<{ fleet: F; release: () => void } | undefined>;
}
