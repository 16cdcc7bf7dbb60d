import type { Context } from 'aws-lambda';
import { logger } from '../_shared/logger.ts';
import { validateDeployInput } from './validate-deploy-input.ts';

/** Lambda entry of the ValidateInput step. */
export const handler = async (event: unknown, context?: Context) => {
  logger.resetKeys();
  if (context) logger.addContext(context);
  return validateDeployInput(event);
};
