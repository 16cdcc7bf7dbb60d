import { CreateInferenceRecommendationsJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { callSageMaker } from '../_shared/sagemaker.ts';
import {
  StartInferenceRecommendationsState,
  startInferenceRecommendations,
} from './start-inference-recommendations.ts';

const client = new SageMakerClient({});

/** Lambda entry of the StartInferenceRecommendations step. */
export const handler = stepHandler(StartInferenceRecommendationsState, 'StartInferenceRecommendations', (state) =>
  startInferenceRecommendations(state, {
    roleArn: requiredEnv('SAGEMAKER_EXECUTION_ROLE_ARN'),
    async createJob(request) {
      const out = await callSageMaker('CreateInferenceRecommendationsJob', () =>
        client.send(new CreateInferenceRecommendationsJobCommand(request as never)),
      );
      return out.JobArn ?? '';
    },
  }),
);
