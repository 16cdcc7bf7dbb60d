import type { TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the RecommendRightSize step is deployed: arithmetic over the measured candidates, then the report's two
 * objects under reports/ in the stack's artifact bucket, which its KMS key encrypts.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    { actions: ['s3:PutObject'], resources: ['artifact-object'] },
    { actions: ['kms:GenerateDataKey'], resources: ['artifact-key'] },
  ],
  environment: ['ARTIFACT_BUCKET_NAME'],
};
