import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { requiredEnv, waitingStepHandler } from '../_shared/handler.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { dynamoDbWaitRecords, startTransformJobWait, stepFunctionsResponder } from '../_shared/task-tokens.ts';
import { transformJobGateway } from '../_shared/transform-jobs.ts';
import { StartTransformJobState, startTransformJob } from './start-transform-job.ts';

const client = new SageMakerClient({});
const sagemaker = sageMakerGateway(client);
const jobs = transformJobGateway(client);
const dynamodb = new DynamoDBClient({});
const responder = stepFunctionsResponder();

/**
 * Lambda entry of BatchTransform's StartTransformJob step, which runs under the job wait's token: the token is stored
 * before the job is created, and the task completes when the job has ended (CompleteWait).
 */
export const handler = waitingStepHandler(StartTransformJobState, 'StartTransformJob', (state, token) => {
  const now = () => new Date();
  return startTransformJobWait(
    {
      records: dynamoDbWaitRecords(dynamodb, requiredEnv('WAIT_TABLE_NAME')),
      responder,
      now,
      describeTransformJob: (name) => jobs.describeTransformJob(name),
    },
    { token, jobName: state.run.jobName, executionId: state.execution.id },
    (beforeChange) =>
      startTransformJob(state, {
        sagemaker,
        jobs,
        executionRoleArn: requiredEnv('SAGEMAKER_EXECUTION_ROLE_ARN'),
        now,
        beforeChange,
      }),
  );
});
