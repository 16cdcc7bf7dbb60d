import { describeTransformJob, type TaskRegistration } from '../_shared/task-registration.ts';

/** How the DeleteRunModel step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    { actions: ['sagemaker:DescribeModel', 'sagemaker:ListTags', 'sagemaker:DeleteModel'], resources: ['model'] },
    describeTransformJob,
    { actions: ['sagemaker:ListTransformJobs'], resources: ['any'] },
  ],
  environment: ['SAGEMAKER_EXECUTION_ROLE_ARN'],
};
