import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the ReportLoadTest step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 120,
  memoryMb: 512,
  permissions: [
    // SageMaker's figures of the endpoint; GetMetricData has no resource-level permissions.
    { actions: ['cloudwatch:GetMetricData'], resources: ['any'] },
  ],
  // Names where the steps' merged figures are (JudgeLoadStep wrote them); reads none of them.
  environment: ['ARTIFACT_BUCKET_NAME'],
};
