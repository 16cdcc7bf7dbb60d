import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the CreateModel step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    { actions: ['sagemaker:DescribeModel', 'sagemaker:CreateModel', 'sagemaker:AddTags'], resources: ['model'] },
    { actions: ['sagemaker:DescribeModelPackage'], resources: ['any'] },
    { actions: ['iam:PassRole'], resources: ['execution-role'] },
  ],
  environment: ['SAGEMAKER_EXECUTION_ROLE_ARN'],
};
