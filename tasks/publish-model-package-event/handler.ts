import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventPublisher } from '../_shared/events.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { PublishModelPackageEventState, publishModelPackageEvent } from './publish-model-package-event.ts';

const eventBridge = new EventBridgeClient({});

/** Lambda entry of the PublishModelPackageEvent step. */
export const handler = stepHandler(PublishModelPackageEventState, 'PublishModelPackageEvent', (state) =>
  publishModelPackageEvent(state, { publish: eventPublisher(eventBridge, requiredEnv('EVENT_BUS_NAME')) }),
);
