import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { ExecutionFacts } from '../../contracts/contract-parts.ts';
import { waitRecordKey } from '../../contracts/task-tokens.ts';
import { autoScalingGateway } from '../_shared/auto-scaling.ts';
import { requiredEnv, waitingStepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { stateSlice } from '../_shared/state-slice.ts';
import {
  dynamoDbWaitRecords,
  recordedEndpointChange,
  startEndpointWait,
  stepFunctionsResponder,
} from '../_shared/task-tokens.ts';
import { StartRollbackState, startRollback } from './start-rollback.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));
const autoScaling = autoScalingGateway(new ApplicationAutoScalingClient({}));
const dynamodb = new DynamoDBClient({});
const responder = stepFunctionsResponder();

/** The parts of the state document the wait reads besides StartRollback's own: the endpoint and the execution. */
const WaitFields = stateSlice<{ request: { endpointName: string }; execution: ExecutionFacts }>({
  request: { endpointName: 'string' },
  execution: 'object',
});

/**
 * Lambda entry of the StartRollback step, which runs under the rollback wait's token: the token is stored before the
 * endpoint is updated back (or deleted), and the task completes when the endpoint has settled (CompleteWait). A
 * deletion, which SageMaker announces no end of, and a rollback that changes nothing complete at once. The wait
 * record this execution's StartDeployment wrote names a change whose result never arrived (read before the token
 * replaces it).
 */
export const handler = waitingStepHandler(StartRollbackState, 'StartRollback', (state, token) => {
  const { request, execution } = WaitFields.check(state, 'StartRollback input state');
  const now = () => new Date();
  const records = dynamoDbWaitRecords(dynamodb, requiredEnv('WAIT_TABLE_NAME'));
  const recordedChange = async (endpointName: string, executionId: string) =>
    recordedEndpointChange((await records.read(waitRecordKey('endpoint', endpointName)))?.record, executionId);
  return startEndpointWait(
    {
      records,
      responder,
      now,
      describeEndpoint: (name) => sagemaker.describeEndpoint(name),
    },
    { token, endpointName: request.endpointName, executionId: execution.id, step: 'rollback' },
    (beforeChange) => startRollback(state, { sagemaker, autoScaling, now, beforeChange, recordedChange }),
    (output) => ({
      action: output.rollback.action,
      targetConfigName: (output.rollback as { configName?: string }).configName,
      waits: output.rollback.action === 'restore',
    }),
  );
});
