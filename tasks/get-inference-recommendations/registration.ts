import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the GetInferenceRecommendations step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    { actions: ['sagemaker:DescribeInferenceRecommendationsJob'], resources: ['inference-recommendations-job'] },
  ],
  environment: [],
};
