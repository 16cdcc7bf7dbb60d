import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { requiredEnv } from '../../tasks/_shared/handler.ts';
import { logger } from '../../tasks/_shared/logger.ts';
import { type DispatchDeps, type DispatchPayload, dispatch } from './dispatch.ts';

const sfn = new SFNClient({});

/** StartExecution on the state machine named by STATE_MACHINE_ARN; an existing name is a duplicate. */
function stepFunctionsStarter(client: SFNClient, stateMachineArn: string): DispatchDeps {
  return {
    async startExecution(name, input) {
      try {
        const out = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
        return { executionArn: out.executionArn ?? '' };
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
          return 'duplicate';
        }
        throw error;
      }
    },
  };
}

/** Lambda entry of the Model Registry event dispatcher (the target of each followed group's rule). */
export const handler = async (payload: DispatchPayload, context?: Context) => {
  logger.resetKeys();
  if (context) logger.addContext(context);
  logger.appendKeys({ modelPackageGroup: payload.group });
  const result = await dispatch(payload, stepFunctionsStarter(sfn, requiredEnv('STATE_MACHINE_ARN')));
  if (result.action === 'ignored') logger.info('Event starts nothing', { reason: result.reason });
  else if (result.action === 'duplicate') {
    logger.info('Duplicate event: an execution of this decision exists already', { execution: result.executionName });
  } else logger.info('Started DeployApprovedModelPackage', { execution: result.executionArn });
  return result;
};
