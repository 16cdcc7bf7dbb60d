import type { Context } from 'aws-lambda';
import { logger } from '../_shared/logger.ts';
import { validatePackageInput } from './validate-package-input.ts';

/** Lambda entry of PackageModel's ValidateInput step. */
export const handler = async (event: unknown, context?: Context) => {
  logger.resetKeys();
  if (context) logger.addContext(context);
  return validatePackageInput(event);
};
