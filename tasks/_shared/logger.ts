import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger of a Lambda function (each function bundles its own copy of this module). */
export const logger = new Logger({ serviceName: 'sagemaker-workflows' });
