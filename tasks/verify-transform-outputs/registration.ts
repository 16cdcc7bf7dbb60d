import { listBatchData, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the VerifyTransformOutputs step is deployed: timeout, memory, the IAM actions it calls, the environment it reads.
 * Lists keys only; a night's input of a million objects is a thousand ListObjectsV2 pages.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 300,
  memoryMb: 512,
  permissions: [listBatchData],
  environment: [],
};
