import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { batchStepHandler } from '../_shared/batch-run.ts';
import { eventPublisher } from '../_shared/events.ts';
import { requiredEnv } from '../_shared/handler.ts';
import { publishBatchEvent } from './publish-batch-event.ts';

const eventBridge = new EventBridgeClient({});

/** Lambda entry of BatchTransform's Publish* steps. */
export const handler = batchStepHandler('PublishBatchEvent', (state) =>
  publishBatchEvent(state, { publish: eventPublisher(eventBridge, requiredEnv('EVENT_BUS_NAME')) }),
);
