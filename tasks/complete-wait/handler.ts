import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../contracts/errors.ts';
import { requiredEnv } from '../_shared/handler.ts';
import { logger } from '../_shared/logger.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { dynamoDbWaitRecords, stepFunctionsResponder } from '../_shared/task-tokens.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import {
  type CompleteWaitDeps,
  type FallbackPoll,
  onStateChange,
  pollOnce,
  type StateChangeEvent,
} from './complete-wait.ts';

const sageMakerClient = new SageMakerClient({});
const sagemaker = sageMakerGateway(sageMakerClient);
const transformJobs = transformJobGateway(sageMakerClient);
const dynamodb = new DynamoDBClient({});
const responder = stepFunctionsResponder();

function deps(): CompleteWaitDeps {
  return {
    sagemaker,
    transformJobs,
    records: dynamoDbWaitRecords(dynamodb, requiredEnv('WAIT_TABLE_NAME')),
    responder,
    now: () => new Date(),
  };
}

function isEvent(event: unknown): event is StateChangeEvent {
  const e = event as { 'detail-type'?: unknown; detail?: unknown } | null;
  return typeof e === 'object' && e !== null && typeof e['detail-type'] === 'string' && typeof e.detail === 'object';
}

function fallbackPoll(event: unknown): FallbackPoll {
  const e = (event ?? {}) as { taskToken?: unknown; wait?: Record<string, unknown> };
  if (typeof e.taskToken !== 'string' || e.taskToken === '') {
    throw new InvalidInputError('CompleteWait input: taskToken: expected the task token ($$.Task.Token), a string');
  }
  const wait = e.wait ?? {};
  for (const field of ['kind', 'name', 'executionId', 'step'] as const) {
    if (typeof wait[field] !== 'string' || wait[field] === '') {
      throw new InvalidInputError(`CompleteWait input: wait.${field}: expected a string`);
    }
  }
  if (wait.kind !== 'endpoint' && wait.kind !== 'transform-job') {
    throw new InvalidInputError(`CompleteWait input: wait.kind: expected endpoint or transform-job, got ${wait.kind}`);
  }
  return { taskToken: e.taskToken, wait: wait as unknown as FallbackPoll['wait'] };
}

/**
 * Lambda entry of CompleteWait: the target of the rules on SageMaker's endpoint and transform job state changes
 * (an EventBridge event), and the waiting tasks' fallback poll (`{ taskToken, wait }` from the state machine).
 */
export const handler = async (event: unknown, context?: Context) => {
  logger.resetKeys();
  if (context) logger.addContext(context);
  logger.appendKeys({ step: 'CompleteWait' });
  if (isEvent(event)) {
    const result = await onStateChange(event, deps());
    logger.info('state change event', { detailType: event['detail-type'], detail: event.detail, ...result });
    return result;
  }
  const request = fallbackPoll(event);
  logger.appendKeys({ [request.wait.kind === 'endpoint' ? 'endpoint' : 'job']: request.wait.name });
  const result = await pollOnce(request, deps());
  logger.info('fallback poll', result);
  return result;
};
