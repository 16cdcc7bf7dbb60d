import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventPublisher } from '../_shared/events.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { PublishComponentRemovalEventState, publishComponentRemovalEvent } from './publish-component-removal-event.ts';

const eventBridge = new EventBridgeClient({});

/** Lambda entry of the PublishComponentRemovalEvent step. */
export const handler = stepHandler(PublishComponentRemovalEventState, 'PublishComponentRemovalEvent', (state) =>
  publishComponentRemovalEvent(state, { publish: eventPublisher(eventBridge, requiredEnv('EVENT_BUS_NAME')) }),
);
