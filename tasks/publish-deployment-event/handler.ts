import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventPublisher } from '../_shared/events.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { PublishDeploymentEventState, publishDeploymentEvent } from './publish-deployment-event.ts';

const eventBridge = new EventBridgeClient({});

/** Lambda entry of the PublishDeploymentEvent step. */
export const handler = stepHandler(PublishDeploymentEventState, 'PublishDeploymentEvent', (state) =>
  publishDeploymentEvent(state, { publish: eventPublisher(eventBridge, requiredEnv('EVENT_BUS_NAME')) }),
);
