import { describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../tasks/_shared/events.ts';
import { publishComponentRemovalEvent } from '../../tasks/publish-component-removal-event/publish-component-removal-event.ts';

function fakeBus() {
  const events: LifecycleEvent[] = [];
  return { events, publish: async (event: LifecycleEvent) => `event-${events.push(event)}` };
}

const base = {
  request: { endpointName: 'shared-models', component: { name: 'churn' } },
  execution: {
    id: 'arn:aws:states:us-east-1:123456789012:execution:remove:1',
    name: '1',
    startedAt: '2026-12-06T18:00:00Z',
  },
};

describe('PublishComponentRemovalEvent', () => {
  it('announces a removal with what the run found: whether it existed, how the endpoint answers its name now', async () => {
    const bus = fakeBus();

    const out = await publishComponentRemovalEvent(
      {
        ...base,
        removal: { existed: true },
        probe: { answer: 'refused', errorName: 'ValidationError' },
        endpointRemoval: { deleted: false, reason: 'not asked to' },
      },
      bus,
    );

    expect(out.event).toEqual({ detailType: 'Inference Component Removed', eventId: 'event-1' });
    expect(bus.events[0]?.detail).toEqual({
      endpointName: 'shared-models',
      inferenceComponentName: 'churn',
      execution: base.execution.id,
      existed: true,
      probe: { answer: 'refused', errorName: 'ValidationError' },
      endpointRemoval: { deleted: false, reason: 'not asked to' },
    });
  });

  it('announces a failed removal with its error', async () => {
    const bus = fakeBus();

    await publishComponentRemovalEvent(
      { ...base, error: { Error: 'EndpointBusyError', Cause: JSON.stringify({ errorMessage: 'Endpoint busy' }) } },
      bus,
    );

    expect(bus.events[0]).toMatchObject({
      detailType: 'Inference Component Remove Failed',
      detail: { inferenceComponentName: 'churn', error: { name: 'EndpointBusyError', message: 'Endpoint busy' } },
    });
  });
});
