import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the StartInferenceRecommendations step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    {
      actions: ['sagemaker:CreateInferenceRecommendationsJob', 'sagemaker:AddTags'],
      resources: ['inference-recommendations-job'],
    },
    // The job runs (and its endpoints serve) with the execution role.
    { actions: ['iam:PassRole'], resources: ['execution-role'] },
  ],
  environment: ['SAGEMAKER_EXECUTION_ROLE_ARN'],
};
