import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventPublisher } from '../_shared/events.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { PublishModelEventState, publishModelEvent } from './publish-model-event.ts';

const eventBridge = new EventBridgeClient({});

/** Lambda entry of the PublishModelEvent step. */
export const handler = stepHandler(PublishModelEventState, 'PublishModelEvent', (state) =>
  publishModelEvent(state, { publish: eventPublisher(eventBridge, requiredEnv('EVENT_BUS_NAME')) }),
);
