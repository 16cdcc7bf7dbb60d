import type { Context } from 'aws-lambda';
import { logger } from '../_shared/logger.ts';
import { validateBatchInput } from './validate-batch-input.ts';

/** Lambda entry of BatchTransform's ValidateInput step. */
export const handler = async (event: unknown, context?: Context) => {
  logger.resetKeys();
  if (context) logger.addContext(context);
  return validateBatchInput(event);
};
