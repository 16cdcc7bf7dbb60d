import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import { leftoverSageMaker } from '../../tasks/_shared/execution-leftovers.ts';
import { logger } from '../../tasks/_shared/logger.ts';
import { cleanUpExecution } from './cleanup.ts';

const client = new SageMakerClient({});

/** What the cleanup leaves of its time for its last look (then Lambda's retry goes on). */
const MARGIN_MS = 30_000;

/**
 * Lambda entry of the execution cleanup: the target of the rule on the stack's state machines' status changes
 * (ABORTED, TIMED_OUT). The event is EventBridge's, untransformed.
 */
export const handler = async (event: { detail?: unknown }, context?: Context) => {
  logger.resetKeys();
  if (context) logger.addContext(context);
  const remaining = context?.getRemainingTimeInMillis() ?? 5 * 60_000;
  const report = await cleanUpExecution(event.detail, {
    sagemaker: leftoverSageMaker(client),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    deadline: Date.now() + Math.max(0, remaining - MARGIN_MS),
  });
  logger.info('Execution cleanup', { ...report });
  return report;
};
