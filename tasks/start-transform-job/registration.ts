import { type TaskRegistration, taskTokenPermissions } from '../_shared/task-registration.ts';

/** How the StartTransformJob step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    { actions: ['sagemaker:DescribeModel', 'sagemaker:CreateModel', 'sagemaker:AddTags'], resources: ['model'] },
    {
      actions: ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:AddTags'],
      resources: ['transform-job'],
    },
    { actions: ['iam:PassRole'], resources: ['execution-role'] },
    ...taskTokenPermissions,
  ],
  environment: ['SAGEMAKER_EXECUTION_ROLE_ARN', 'WAIT_TABLE_NAME'],
};
