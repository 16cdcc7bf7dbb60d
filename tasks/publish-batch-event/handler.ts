import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventPublisher } from '../_shared/events.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { PublishBatchEventState, publishBatchEvent } from './publish-batch-event.ts';

const eventBridge = new EventBridgeClient({});

/** Lambda entry of BatchTransform's Publish* steps. */
export const handler = stepHandler(PublishBatchEventState, 'PublishBatchEvent', (state) =>
  publishBatchEvent(state, { publish: eventPublisher(eventBridge, requiredEnv('EVENT_BUS_NAME')) }),
);
