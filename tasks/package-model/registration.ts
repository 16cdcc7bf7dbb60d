import { packagingPermissions, type TaskRegistration } from '../_shared/task-registration.ts';

/**
 * The memory PackageModel's function may have, in MB: the stack setting `packageModelMemoryMb` (deployment config
 * file). Lambda allocates CPU in proportion to memory, one vCPU's worth at 1,769 MB and 6 vCPUs at its maximum of
 * 10,240 MB (Lambda Developer Guide, "Configure Lambda function memory"; AWS What's New, 2020-12-01, "AWS Lambda
 * now supports up to 10 GB of memory and 6 vCPU cores"), and PackageModel gzips on every vCPU it gets
 * (`os.availableParallelism()`), so the default is the maximum: the work is CPU-bound and parallel, so more memory
 * costs about as many GB-seconds per package and finishes it sooner. The floor leaves room for the function's
 * own peak, under 256 MB whatever the model's size (`npm run bench -- package-model`).
 */
export const PACKAGE_MODEL_MEMORY_MB = { default: 10_240, min: 512, max: 10_240 } as const;

/**
 * How the PackageModel step is deployed: timeout, memory (unless the stack setting says otherwise), the IAM
 * actions it calls, the environment it reads. Streams GetObject -> tar -> gzip on every vCPU -> upload.
 */
export const registration: TaskRegistration = {
  timeoutSeconds: 900,
  memoryMb: PACKAGE_MODEL_MEMORY_MB.default,
  permissions: packagingPermissions,
  environment: ['ARTIFACT_BUCKET_NAME'],
};
