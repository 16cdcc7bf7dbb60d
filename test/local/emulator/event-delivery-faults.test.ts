/**
 * The emulator's event delivery faults: what a subscriber (the trigger engine) gets when events are dropped, repeated
 * or reordered, as SageMaker's best-effort delivery may do; events of other detail-types pass as they are.
 */
import { describe, expect, it } from 'vitest';
import { FaultInjector, withDeliveryFaults } from '../../../local/emulator/faults.ts';

interface Event {
  readonly 'detail-type': string;
  readonly id: string;
}

const endpointEvent = (id: string): Event => ({ 'detail-type': 'SageMaker Endpoint State Change', id });

/** Delivers each batch through the faults and returns the ids the subscriber got, in order. */
function delivered(injector: FaultInjector, batches: Event[][]): string[] {
  const got: string[] = [];
  const subscriber = withDeliveryFaults<Event>((events) => got.push(...events.map((e) => e.id)), injector);
  for (const batch of batches) subscriber(batch);
  return got;
}

describe('withDeliveryFaults', () => {
  it('delivers every event as logged without delivery faults', () => {
    expect(delivered(new FaultInjector(), [[endpointEvent('a')], [endpointEvent('b')]])).toEqual(['a', 'b']);
  });

  it('drops every event of the detail-types it names, and only those', () => {
    const injector = new FaultInjector({ events: { drop: 1, detailTypes: ['SageMaker Endpoint State Change'] } });

    const got = delivered(injector, [[endpointEvent('a'), { 'detail-type': 'Deployment Succeeded', id: 'x' }]]);

    expect(got).toEqual(['x']);
  });

  it('delivers events twice and swaps them in pairs', () => {
    expect(delivered(new FaultInjector({ events: { duplicate: 1 } }), [[endpointEvent('a')]])).toEqual(['a', 'a']);
    expect(
      delivered(new FaultInjector({ events: { reorder: true } }), [[endpointEvent('a')], [endpointEvent('b')]]),
    ).toEqual(['b', 'a']);
  });
});
