import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the JudgeAsyncResults step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  // The longest wait is the health-check timeout (at most 480 s) plus the 60 s queue allowance.
  timeoutSeconds: 600,
  memoryMb: 256,
  // Outputs and failures are read where the async config puts them, which must be an artifact bucket on AWS.
  // ListBucket makes GetObject of an answer not yet written NoSuchKey rather than AccessDenied.
  permissions: [
    { actions: ['s3:ListBucket'], resources: ['artifact-bucket'] },
    { actions: ['s3:GetObject'], resources: ['artifact-object'] },
    { actions: ['kms:Decrypt'], resources: ['artifact-key'] },
  ],
  environment: [],
};
