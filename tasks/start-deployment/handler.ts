import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { requiredEnv, waitingStepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { dynamoDbWaitRecords, startEndpointWait, stepFunctionsResponder } from '../_shared/task-tokens.ts';
import { StartDeploymentState, startDeployment } from './start-deployment.ts';

const sagemaker = sageMakerGateway(new SageMakerClient({}));
const dynamodb = new DynamoDBClient({});
const responder = stepFunctionsResponder();

/**
 * Lambda entry of the StartDeployment step, which runs under the endpoint wait's token: the token is stored before
 * the endpoint is created or updated, and the task completes when the endpoint has settled (CompleteWait).
 */
export const handler = waitingStepHandler(StartDeploymentState, 'StartDeployment', (state, token) => {
  const now = () => new Date();
  const records = dynamoDbWaitRecords(dynamodb, requiredEnv('WAIT_TABLE_NAME'));
  return startEndpointWait(
    { records, responder, now, describeEndpoint: (name) => sagemaker.describeEndpoint(name) },
    { token, endpointName: state.request.endpointName, executionId: state.execution.id, step: 'deployment' },
    (beforeChange) => startDeployment(state, { sagemaker, now, beforeChange }),
    (output) => ({
      action: output.endpoint.action,
      targetConfigName: state.endpointConfig.name,
      waits: output.endpoint.action !== 'none',
    }),
  );
});
