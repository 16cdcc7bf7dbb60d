import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventNotPublishedError } from '../../contracts/errors.ts';

/** Source of every event this project publishes. */
const EVENT_SOURCE = 'sagemaker-workflows';

/** One event, as PutEvents takes it. */
export interface LifecycleEvent {
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
}

/** Puts one lifecycle event on the bus; a rejected entry becomes EventNotPublishedError. */
export function eventPublisher(client: EventBridgeClient, eventBusName: string) {
  return async (event: LifecycleEvent): Promise<string> => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBusName,
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            Resources: event.resources,
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || entry?.EventId === undefined) {
      throw new EventNotPublishedError(
        `EventBridge rejected "${event.detailType}": ${entry?.ErrorCode ?? 'no event id'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
    return entry.EventId;
  };
}
