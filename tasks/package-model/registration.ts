import { packagingPermissions, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * How the PackageModel step is deployed: timeout, memory, the IAM actions it calls, the environment it reads.
 * Streams GetObject -> tar -> gzip -> upload; gzip is CPU-bound and Lambda's CPU grows with memory (one full
 * vCPU from 1769 MB), while the function itself stays under 200 MB whatever the model size.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 900,
  memoryMb: 2048,
  permissions: packagingPermissions,
  environment: ['ARTIFACT_BUCKET_NAME'],
};
